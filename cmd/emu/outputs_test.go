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

// TestCutoffWarnings: runs that stop_after ends are named (ten at most,
// then a count), with the connections that never started: 1000 arrivals
// 1 ms apart from 0 ms, cut at 100 ms, start the 101 at 0..100 ms only.
func TestCutoffWarnings(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "cut.yaml")
	os.WriteFile(f, []byte("name: cut\nstop_after: 100ms\nconnections: {count: 1000, every: 1ms}\nclient:\n  do: [connect, close]\nserver:\n  do: [accept, close]\n"), 0o644)
	_, errs, code := emu(t, "", "run", f, "--runs", "12", "--quiet", "--out", filepath.Join(dir, "o"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"warning: point 0 run 0: stop_after (100ms) ended the run; 899 of its 1000 connections never started\n",
		"warning: point 0 run 9: stop_after (100ms) ended the run; 899 of its 1000 connections never started\n",
		"warning: ... and 2 more runs ended by stop_after or max_events (12 in all)\n",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("no %q in\n%s", want, errs)
		}
	}
	if strings.Contains(errs, "run 10:") {
		t.Errorf("more than 10 runs named:\n%s", errs)
	}
}
