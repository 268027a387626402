// Package input reads the files a user names, bounded: a size limit for
// whole files, regular files (and, where a command reads a stream, pipes)
// only, and a limit on the length of a line of CSV. Without these, `emu
// validate /dev/zero` or a checkpoint symlinked to it reads until memory
// runs out.
package input

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// MaxScenarioBytes bounds a scenario file: the largest real scenario is a
// few kilobytes.
const MaxScenarioBytes = 16 << 20

// MaxLineBytes bounds a line of a CSV file emu reads back (runs.csv,
// states.csv): a row of runs.csv is a few hundred bytes.
const MaxLineBytes = 1 << 20

// ErrTooLarge is wrapped by the errors of a file or line over its limit.
var ErrTooLarge = errors.New("too large")

// ErrNotRegular is wrapped by the error for a path that is a directory, a
// device or a socket where a file is needed.
var ErrNotRegular = errors.New("not a regular file")

// Kind says which files Open accepts.
type Kind int

const (
	// Regular accepts regular files only: files emu wrote itself.
	Regular Kind = iota
	// Stream also accepts pipes and FIFOs (`emu run <(...)`), read up to
	// the limit; devices such as /dev/zero are still refused.
	Stream
)

// Open opens path for reading if it is a file of the kind given, following
// symlinks.
func Open(path string, kind Kind) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			pe.Op = "open" // what the caller asked for
		}
		return nil, err
	}
	if err := check(path, fi, kind); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	// The path may have changed between Stat and Open.
	if fi, err = f.Stat(); err == nil {
		err = check(path, fi, kind)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func check(path string, fi fs.FileInfo, kind Kind) error {
	m := fi.Mode()
	switch {
	case m.IsRegular():
		return nil
	case kind == Stream && m&fs.ModeNamedPipe != 0:
		return nil
	case m.IsDir():
		return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: it is a directory", ErrNotRegular)}
	default:
		return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: it is %s", ErrNotRegular, kindName(m))}
	}
}

func kindName(m fs.FileMode) string {
	switch {
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a file"
}

// ReadFile reads a whole file of the kind given, at most limit bytes.
func ReadFile(path string, kind Kind, limit int64) ([]byte, error) {
	return readFile(path, kind, limit, false)
}

// ReadPrefix reads at most limit bytes of a file of the kind given, without
// an error for a longer file: the caller sees len == limit and says what is
// wrong (a scenario one byte over its limit is reported at 1:1 by Load).
func ReadPrefix(path string, kind Kind, limit int64) ([]byte, error) {
	return readFile(path, kind, limit, true)
}

func readFile(path string, kind Kind, limit int64, prefix bool) ([]byte, error) {
	f, err := Open(path, kind)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if prefix {
		b, err := io.ReadAll(io.LimitReader(f, limit))
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		return b, nil
	}
	b, err := ReadAll(f, limit)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	return b, nil
}

// ReadAll reads r to its end, at most limit bytes.
func ReadAll(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: more than %s", ErrTooLarge, bytesText(limit))
	}
	return b, nil
}

func bytesText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Lines returns a reader of r that fails with ErrTooLarge once a line runs
// past max bytes, so that a CSV reader never buffers an endless field.
func Lines(r io.Reader, max int) io.Reader {
	return &lineLimit{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

type lineLimit struct {
	r   *bufio.Reader
	max int
	cur int // bytes of the current line so far
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '\n' {
			l.cur = 0
			continue
		}
		if l.cur++; l.cur > l.max {
			return i, fmt.Errorf("%w: a line longer than %s", ErrTooLarge, bytesText(int64(l.max)))
		}
	}
	return n, err
}
