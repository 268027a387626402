package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// LockFile is the file in an output folder that an emu writing the folder
// holds an exclusive flock on. It is left in place (removing it would let
// a third emu lock a new file while the second still holds the old one).
const LockFile = ".emu-lock"

// ErrBusy is wrapped by the error of a folder another emu is writing: two
// runs into one folder would interleave their files.
var ErrBusy = errors.New("output folder in use")

// dirLock is a held lock on an output folder; the kernel releases it when
// the process ends, however it ends.
type dirLock struct{ f *os.File }

// lockDir takes the exclusive lock on dir, which must exist, without
// waiting.
func lockDir(dir string) (*dirLock, error) {
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_CREATE|os.O_RDWR|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another emu is writing %s (%w)", dir, ErrBusy)
		}
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return &dirLock{f: f}, nil
}

// unlock releases the lock.
func (l *dirLock) unlock() { l.f.Close() }
