package results

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func writeAll(path, text string) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		_, err := io.WriteString(w, text)
		return err
	})
}

// TestAtomicDevices: a device is written through, never replaced by a
// regular file (an emu run as root once turned /dev/full into a file);
// /dev/full's "no space" reaches the caller. The devices are made afresh
// in a temporary folder (null is 1:3, full is 1:7 on Linux) so that a
// regression cannot destroy the system's own.
func TestAtomicDevices(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name    string
		minor   int
		wantErr error
	}{
		{"null", 3, nil},
		{"full", 7, syscall.ENOSPC},
	}
	for _, c := range cases {
		path := filepath.Join(dir, c.name)
		if err := syscall.Mknod(path, syscall.S_IFCHR|0o666, 1<<8|c.minor); err != nil {
			t.Skipf("needs root (or CAP_MKNOD) to make a device node: %v", err)
		}
		err := writeAll(path, "data\n")
		if c.wantErr == nil && err != nil || c.wantErr != nil && !errors.Is(err, c.wantErr) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.wantErr)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
			t.Fatalf("%s is no longer a character device: %v %v", c.name, fi.Mode(), err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("%d entries beside the devices, want none", len(entries)-2)
	}
}

// TestAtomicFIFO: a named pipe receives the bytes and stays a pipe.
func TestAtomicFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("needs mkfifo: %v", err)
	}
	got := make(chan []byte)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- b
	}()
	if err := writeAll(fifo, "through the pipe\n"); err != nil {
		t.Fatal(err)
	}
	if b := <-got; string(b) != "through the pipe\n" {
		t.Errorf("reader got %q", b)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", fi.Mode(), err)
	}
}

// TestAtomicSymlink: a symlinked output path stays a symlink; the file it
// points to gets the new content, and the temporary file is made beside
// the target (none is left beside the link).
func TestAtomicSymlink(t *testing.T) {
	linkDir, targetDir := t.TempDir(), t.TempDir()
	target := filepath.Join(targetDir, "real.csv")
	os.WriteFile(target, []byte("old\n"), 0o644)
	link := filepath.Join(linkDir, "out.csv")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(linkDir, "new.csv")
	os.Symlink("../"+filepath.Base(targetDir)+"/created.csv", dangling)
	for path, want := range map[string]string{link: target, dangling: filepath.Join(targetDir, "created.csv")} {
		if err := writeAll(path, "new\n"); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symlink", path)
		}
		if b, _ := os.ReadFile(want); string(b) != "new\n" {
			t.Errorf("%s holds %q", want, b)
		}
	}
	entries, _ := os.ReadDir(linkDir)
	if len(entries) != 2 {
		t.Errorf("link folder holds %d entries, want the 2 links", len(entries))
	}
}

// TestAtomicRefused: a directory, a path under a missing folder and a
// symlink loop are unusable paths (bad input), and nothing is created.
func TestAtomicRefused(t *testing.T) {
	dir := t.TempDir()
	loop := filepath.Join(dir, "loop")
	os.Symlink(loop, loop)
	for _, p := range []string{dir, filepath.Join(dir, "missing", "x.svg"), loop} {
		err := writeAll(p, "x")
		if !errors.Is(err, ErrUnusablePath) {
			t.Errorf("%s: got %v, want ErrUnusablePath", p, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only the loop", len(entries))
	}
}

// TestAtomicStdout: "-" writes to Stdout.
func TestAtomicStdout(t *testing.T) {
	var buf bytes.Buffer
	defer func(w io.Writer) { Stdout = w }(Stdout)
	Stdout = &buf
	if err := writeAll("-", "to stdout\n"); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "to stdout\n" {
		t.Errorf("stdout got %q", buf.String())
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error("a file named - was created")
	}
}
