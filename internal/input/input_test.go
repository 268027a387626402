package input

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestOpenKinds(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, []byte("x"), 0o644)
	link := filepath.Join(dir, "zero")
	os.Symlink("/dev/zero", link)
	fifo := filepath.Join(dir, "fifo")
	haveFifo := syscall.Mkfifo(fifo, 0o600) == nil
	cases := []struct {
		path string
		kind Kind
		ok   bool
	}{
		{file, Regular, true},
		{file, Stream, true},
		{dir, Stream, false},
		{"/dev/zero", Stream, false},
		{link, Regular, false}, // a checkpoint symlinked to /dev/zero
		{fifo, Regular, false},
	}
	for _, c := range cases {
		if c.path == fifo && !haveFifo {
			continue
		}
		f, err := Open(c.path, c.kind)
		if f != nil {
			f.Close()
		}
		if (err == nil) != c.ok || (!c.ok && !errors.Is(err, ErrNotRegular)) {
			t.Errorf("Open(%s, %d) = %v, want ok=%v", c.path, c.kind, err, c.ok)
		}
	}
}

func TestReadAllLimit(t *testing.T) {
	zero, err := os.Open("/dev/zero")
	if err != nil {
		t.Skip("needs /dev/zero")
	}
	defer zero.Close()
	if _, err := ReadAll(zero, 1<<20); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadAll(/dev/zero) = %v, want ErrTooLarge", err)
	}
	b, err := ReadAll(strings.NewReader("12345"), 5)
	if err != nil || string(b) != "12345" {
		t.Errorf("ReadAll at the limit = %q, %v", b, err)
	}
	if _, err := ReadAll(strings.NewReader("123456"), 5); !errors.Is(err, ErrTooLarge) {
		t.Errorf("one byte over: %v", err)
	}
}

func TestLines(t *testing.T) {
	cases := []struct {
		in string
		ok bool
	}{
		{"abcd\nefgh\n", true},
		{"abcd\nefghi\n", false},
		{strings.Repeat("abc\n", 10000), true},
	}
	for _, c := range cases {
		b, err := io.ReadAll(Lines(strings.NewReader(c.in), 4))
		if c.ok && (err != nil || string(b) != c.in) || !c.ok && !errors.Is(err, ErrTooLarge) {
			t.Errorf("Lines(%.20q): %v", c.in, err)
		}
	}
	zero, err := os.Open("/dev/zero")
	if err != nil {
		t.Skip("needs /dev/zero")
	}
	defer zero.Close()
	if _, err := io.ReadAll(Lines(zero, MaxLineBytes)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Lines(/dev/zero) = %v", err)
	}
}
