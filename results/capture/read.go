package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// NotCaptureError says that a file is not a capture at all (empty, another
// format, or a header that cannot be read). Nothing was read from it.
type NotCaptureError struct {
	File   string
	Reason string
}

func (e *NotCaptureError) Error() string { return e.File + ": not a capture: " + e.Reason }

// countingReader counts the bytes read through it, so that the byte
// offset of damage can be named.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// bufSize is the read buffer. pcapgo wraps its reader in bufio.NewReader,
// which returns a *bufio.Reader of at least 4096 bytes unchanged: handing
// it ours keeps one buffer, and lets offset() subtract what is buffered.
const bufSize = 256 << 10

// source yields the frames of one capture file with their link types.
type source struct {
	cr countingReader
	br *bufio.Reader
	pr *pcapgo.Reader
	ng *pcapgo.NgReader

	// recordStart is the offset of the record (pcap) or block (pcapng)
	// last asked for: where the damage begins when reading it fails.
	recordStart int64
}

// File format magic numbers (first four bytes).
const (
	pcapMicroLE = 0xa1b2c3d4
	pcapNanoLE  = 0xa1b23c4d
	pcapngSHB   = 0x0a0d0d0a
)

// openSource detects the format of r and reads its file header. An error
// is a *NotCaptureError.
func openSource(name string, r io.Reader) (*source, error) {
	s := &source{cr: countingReader{r: r}}
	s.br = bufio.NewReaderSize(&s.cr, bufSize)
	head, err := s.br.Peek(4)
	if len(head) == 0 {
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, &NotCaptureError{name, err.Error()}
		}
		return nil, &NotCaptureError{name, "the file is empty"}
	}
	if len(head) < 4 {
		return nil, &NotCaptureError{name, fmt.Sprintf("only %d bytes", len(head))}
	}
	le, be := binary.LittleEndian.Uint32(head), binary.BigEndian.Uint32(head)
	switch {
	case le == pcapMicroLE || le == pcapNanoLE || be == pcapMicroLE || be == pcapNanoLE || head[0] == 0x1f && head[1] == 0x8b:
		pr, err := pcapgo.NewReader(s.br)
		if err != nil {
			return nil, &NotCaptureError{name, "pcap file header: " + readErr(err)}
		}
		s.pr = pr
	case le == pcapngSHB:
		ng, err := pcapgo.NewNgReader(s.br, pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
		if err != nil {
			return nil, &NotCaptureError{name, "pcapng section header: " + readErr(err)}
		}
		s.ng = ng
	default:
		return nil, &NotCaptureError{name, fmt.Sprintf("starts with %02x %02x %02x %02x, neither pcap nor pcapng", head[0], head[1], head[2], head[3])}
	}
	return s, nil
}

// readErr describes a read error in words a user understands.
func readErr(err error) string {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "the file ends in the middle of it"
	}
	return err.Error()
}

// offset returns how many bytes of the file have been consumed.
func (s *source) offset() int64 { return s.cr.n - int64(s.br.Buffered()) }

// next returns the next frame and its link type; the data is valid until
// the following call. At the clean end of the file it returns io.EOF; any
// other error means the file is damaged from offset() on.
func (s *source) next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	start := s.offset()
	s.recordStart = start
	var (
		data []byte
		ci   gopacket.CaptureInfo
		err  error
	)
	if s.pr != nil {
		data, ci, err = s.pr.ZeroCopyReadPacketData()
		if err == nil {
			return data, ci, s.pr.LinkType(), nil
		}
	} else {
		data, ci, err = s.ng.ZeroCopyReadPacketData()
		if err == nil {
			// With WantMixedLinkType the reader puts the packet's interface's
			// link type here (without allocating); interface numbers start
			// afresh in every section, so no cache of ours could be trusted.
			if len(ci.AncillaryData) > 0 {
				if lt, ok := ci.AncillaryData[0].(layers.LinkType); ok {
					return data, ci, lt, nil
				}
			}
			return data, ci, 0xffff, nil
		}
	}
	// pcapgo's pcapng reader says io.EOF only at the start of a block (a
	// clean end, perhaps after statistics blocks); its pcap reader says it
	// also when a record's data is missing entirely after its header.
	if errors.Is(err, io.EOF) && (s.ng != nil || s.offset() == start) {
		return nil, ci, 0, io.EOF
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return nil, ci, 0, err
}
