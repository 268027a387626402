package results

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// AtomicFile is an output file that appears under its name complete or not
// at all. Writes go to a temporary file in the same directory (so that the
// final rename cannot cross file systems); Commit flushes, fsyncs and
// renames it into place, Abort removes it. An interrupted run therefore
// never leaves a truncated runs.csv that a later merge or plot would
// silently trust.
//
// Typical use, streaming:
//
//	f, err := results.CreateAtomic(path)
//	if err != nil { return err }
//	defer f.Abort() // no-op after a successful Commit
//	... write to f ...
//	return f.Commit()
type AtomicFile struct {
	path string
	tmp  *os.File
	w    *bufio.Writer
	done bool
}

// CreateAtomic starts writing the file path. Nothing exists under path
// until Commit.
func CreateAtomic(path string) (*AtomicFile, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &AtomicFile{path: path, tmp: tmp, w: bufio.NewWriterSize(tmp, 64<<10)}, nil
}

// Write writes to the temporary file (buffered).
func (f *AtomicFile) Write(p []byte) (int, error) {
	if f.done {
		return 0, fmt.Errorf("write %s: %w", f.path, os.ErrClosed)
	}
	n, err := f.w.Write(p)
	if err != nil {
		return n, fmt.Errorf("write %s: %w", f.path, err)
	}
	return n, nil
}

// Name returns the final path of the file.
func (f *AtomicFile) Name() string { return f.path }

// Commit flushes and fsyncs the temporary file, renames it to the final
// path (replacing any file there) and fsyncs the directory so the rename
// survives a crash. On error the temporary file is removed and nothing is
// left under the final path that was not there before.
func (f *AtomicFile) Commit() error {
	if f.done {
		return fmt.Errorf("commit %s: %w", f.path, os.ErrClosed)
	}
	f.done = true
	err := f.w.Flush()
	if err == nil {
		err = f.tmp.Chmod(0o644) // CreateTemp makes 0600; outputs are for sharing
	}
	if err == nil {
		err = f.tmp.Sync()
	}
	if cerr := f.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.tmp.Name(), f.path)
	}
	if err != nil {
		_ = os.Remove(f.tmp.Name())
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	syncDir(filepath.Dir(f.path))
	return nil
}

// Abort discards the temporary file. It is a no-op after Commit or a
// previous Abort, so it can be deferred unconditionally.
func (f *AtomicFile) Abort() error {
	if f.done {
		return nil
	}
	f.done = true
	cerr := f.tmp.Close()
	rerr := os.Remove(f.tmp.Name())
	if err := errors.Join(cerr, rerr); err != nil {
		return fmt.Errorf("discard partial %s: %w", f.path, err)
	}
	return nil
}

// WriteFileAtomic writes path whole or not at all with the bytes write
// produces.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	f, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		return errors.Join(err, f.Abort())
	}
	return f.Commit()
}

// syncDir fsyncs a directory so that a rename in it is durable. Failures
// are ignored: some file systems refuse to fsync directories, and the file
// itself is complete either way.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
