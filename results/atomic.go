package results

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
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
//
// Paths that are not regular files are written through: "-" writes to
// Stdout, and an existing device or FIFO (/dev/null, /dev/full, a named
// pipe) is opened and written directly, since replacing it with a file
// would destroy it. A symlink is followed, and the temporary file is made
// beside its target, so the link stays a link. A directory is refused.
type AtomicFile struct {
	path   string // as given, for messages
	target string // where the file ends up (symlinks followed)
	tmp    *os.File
	w      *bufio.Writer
	done   bool
	direct bool // written in place (stdout, a device, a FIFO): no rename
}

// Stdout is where the path "-" writes; commands and tests may replace it.
var Stdout io.Writer = os.Stdout

// ErrUnusablePath wraps every error of an output path that cannot be used
// as one (a directory, a missing folder, no permission): the user named a
// bad path, which commands report as bad input.
var ErrUnusablePath = errors.New("unusable output path")

// maxSymlinks bounds how many symlinks an output path may pass through,
// as the kernel's ELOOP does.
const maxSymlinks = 40

// CreateAtomic starts writing the file path. Nothing exists under path
// until Commit (except for the write-through paths above).
func CreateAtomic(path string) (*AtomicFile, error) {
	if path == "-" {
		return &AtomicFile{path: path, target: path, w: bufio.NewWriterSize(Stdout, 64<<10), direct: true}, nil
	}
	target, err := followSymlinks(path)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w: %w", path, ErrUnusablePath, err)
	}
	if fi, err := os.Stat(target); err == nil {
		switch {
		case fi.IsDir():
			return nil, fmt.Errorf("create %s: %w: it is a directory", path, ErrUnusablePath)
		case fi.Mode()&(os.ModeDevice|os.ModeCharDevice|os.ModeNamedPipe) != 0:
			f, err := os.OpenFile(target, os.O_WRONLY, 0)
			if err != nil {
				return nil, fmt.Errorf("open %s: %w: %w", path, ErrUnusablePath, err)
			}
			return &AtomicFile{path: path, target: target, tmp: f, w: bufio.NewWriterSize(f, 64<<10), direct: true}, nil
		case !fi.Mode().IsRegular():
			return nil, fmt.Errorf("create %s: %w: not a regular file (%v)", path, ErrUnusablePath, fi.Mode().Type())
		}
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EROFS) {
			err = fmt.Errorf("%w: %w", ErrUnusablePath, err)
		}
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &AtomicFile{path: path, target: target, tmp: tmp, w: bufio.NewWriterSize(tmp, 64<<10)}, nil
}

// followSymlinks resolves path through any symlinks, including a last one
// whose target does not exist yet (the file will be created there).
func followSymlinks(path string) (string, error) {
	for i := 0; i < maxSymlinks; i++ {
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			return path, nil
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		path = link
	}
	return "", syscall.ELOOP
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
	if f.direct {
		if f.tmp != nil {
			if cerr := f.tmp.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", f.path, err)
		}
		return nil
	}
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
		err = os.Rename(f.tmp.Name(), f.target)
	}
	if err != nil {
		_ = os.Remove(f.tmp.Name())
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	syncDir(filepath.Dir(f.target))
	return nil
}

// Abort discards the temporary file. It is a no-op after Commit or a
// previous Abort, so it can be deferred unconditionally.
func (f *AtomicFile) Abort() error {
	if f.done {
		return nil
	}
	f.done = true
	if f.direct {
		// What was written to a device or pipe cannot be taken back.
		if f.tmp != nil {
			return f.tmp.Close()
		}
		return nil
	}
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
