package capture

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Options control how a capture is read.
type Options struct {
	// Port, if not 0, keeps only connections with this port at one end.
	Port uint16
	// Progress, if set, is called now and then with the number of bytes
	// of the file read so far.
	Progress func(offset int64)
}

// FileStats says what was read from one file.
type FileStats struct {
	Packets     int64 // frames read
	TCP         int64 // TCP segments decoded (second copies included)
	Duplicates  int64 // second copies of a segment, dropped
	Cut         int64 // TCP over IP, but the frame ends inside the TCP header (a small snap length)
	Unsupported int64 // frames of a link type that cannot be decoded
	Connections int64
	PeakOpen    int // the most connections held in memory at once

	// Damaged is set when the file could not be read to its end: reading
	// stopped at DamageOffset (bytes from the file's start) because of
	// DamageErr. Everything before it was classified.
	Damaged      bool
	DamageOffset int64
	DamageErr    error
	Bytes        int64 // bytes read up to the end or the damage
}

// Warnings returns one line for each problem the file had, for printing.
func (s *FileStats) Warnings(file string) []string {
	var w []string
	if s.Damaged {
		w = append(w, fmt.Sprintf("%s: damaged or truncated at byte %d (%v); classified the %d packets before it", file, s.DamageOffset, s.DamageErr, s.Packets))
	}
	if s.Cut > 0 {
		w = append(w, fmt.Sprintf("%s: %d packets cut inside the TCP header (snap length too small) were skipped", file, s.Cut))
	}
	if s.Unsupported > 0 {
		w = append(w, fmt.Sprintf("%s: %d packets of an unsupported link type were skipped", file, s.Unsupported))
	}
	return w
}

// progressEvery is how many packets pass between calls of Options.Progress.
const progressEvery = 1 << 14

// ReadFile classifies every TCP connection of the capture file path,
// calling emit for each, and returns what it read. A file that is not a
// capture is a *NotCaptureError; damage after the file header is not an
// error but recorded in the stats. Other errors are emit's, or the file's
// opening.
func ReadFile(path string, opt Options, emit func(*Connection) error) (FileStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileStats{}, fmt.Errorf("open capture: %w", err)
	}
	defer f.Close()
	return Read(path, f, opt, emit)
}

// Read is ReadFile on an open reader; name names it in messages and in the
// connections' File.
func Read(name string, r io.Reader, opt Options, emit func(*Connection) error) (FileStats, error) {
	var st FileStats
	src, err := openSource(name, r)
	if err != nil {
		return st, err
	}
	t := NewTracker(name, opt.Port, func(c *Connection) error {
		st.Connections++
		return emit(c)
	})
	d := newDecoder()
	var p packet
	for {
		data, ci, lt, err := src.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				st.Damaged, st.DamageOffset, st.DamageErr = true, src.recordStart, err
			}
			break
		}
		st.Packets++
		if opt.Progress != nil && st.Packets%progressEvery == 0 {
			opt.Progress(src.offset())
		}
		if !supported(lt) {
			st.Unsupported++
			continue
		}
		switch d.decode(lt, data, &p) {
		case cutTCP:
			st.Cut++
			continue
		case notTCP:
			continue
		}
		st.TCP++
		p.at = ci.Timestamp.UnixNano()
		t.add(&p)
		if t.err != nil {
			return st, t.err
		}
	}
	st.Duplicates = t.Duplicates
	st.PeakOpen = t.PeakOpen
	st.Bytes = src.offset()
	if opt.Progress != nil {
		opt.Progress(st.Bytes)
	}
	return st, t.Close()
}
