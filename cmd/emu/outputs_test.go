package main

import (
	"github.com/emu-sim/emu/internal/runner"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestOutputPaths: --pcap - writes the capture to standard output (the
// ladder then goes to standard error); a folder, or a file under a missing
// folder, as an output path is bad input (exit 2), and nothing is created.
func TestOutputPaths(t *testing.T) {
	out, errs, code := emu(t, "", "trace", "half-close", "--pcap", "-")
	// A little-endian nanosecond pcap starts with 4d 3c b2 a1.
	if code != 0 || !strings.HasPrefix(out, "\x4d\x3c\xb2\xa1") || !strings.Contains(errs, "half-close") {
		t.Errorf("--pcap -: exit %d, stdout starts %q, stderr %q", code, out[:min(len(out), 8)], errs)
	}
	dir := t.TempDir()
	for _, args := range [][]string{
		{"trace", "half-close", "--pcap", dir},
		{"trace", "half-close", "--svg", filepath.Join(dir, "no", "such.svg")},
		{"trace", "half-close", "--pcap", "-", "--svg", "-"},
	} {
		_, errs, code := emu(t, "", args...)
		if code != 2 {
			t.Errorf("emu %s: exit %d, want 2; %s", strings.Join(args, " "), code, errs)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files were left in the folder", len(entries))
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	if _, errs, code := emu(t, "", "run", "half-close", "--quiet", "--out", file); code != 2 {
		t.Errorf("run --out FILE: exit %d, want 2; %s", code, errs)
	}
}

// TestRunLocked: a second emu writing the same --out folder exits 2 with
// "another emu is writing DIR", and leaves the folder as it was.
func TestRunLocked(t *testing.T) {
	dir := t.TempDir()
	f, err := os.OpenFile(filepath.Join(dir, runner.LockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Skipf("needs flock: %v", err)
	}
	_, errs, code := emu(t, "", "run", "half-close", "--quiet", "--out", dir)
	if code != 2 || !strings.Contains(errs, "another emu is writing "+dir) {
		t.Errorf("exit %d, %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "runs.csv")); err == nil {
		t.Error("runs.csv written while the folder was locked")
	}
}
