package main

import (
	"github.com/emu-sim/emu/internal/runner"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNumericFlagRanges: every numeric flag is range-checked (exit 2 with
// the flag named), and no value overflows or panics: --jobs once reached
// make(chan) with 64 × jobs and panicked, and --runs 3074457345618258603
// times a sweep of 3 points wrapped to 1 and slipped past --max-runs.
func TestNumericFlagRanges(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "half-close", "--jobs", "144115188075855872", "--out", out}, "--jobs 144115188075855872 is out of range (1 to 4096"},
		{[]string{"run", "half-close", "--jobs", "-1", "--out", out}, "--jobs -1 is out of range"},
		{[]string{"run", "half-close", "--jobs", "99999999999999999999999", "--out", out}, `--jobs: "99999999999999999999999"`},
		{[]string{"run", "half-close", "--runs", "3074457345618258603", "--out", out}, "--runs 3074457345618258603 is out of range (1 to 100000000, as for runs: in a file)"},
		{[]string{"run", "half-close", "--runs", "100000001", "--out", out}, "out of range"},
		{[]string{"run", "half-close", "--runs", "-5", "--out", out}, "--runs must be a positive number"},
		{[]string{"run", "half-close", "--max-runs", "0", "--out", out}, "--max-runs 0 must be at least 1"},
		{[]string{"run", "half-close", "--max-runs", "-9223372036854775808", "--out", out}, "--max-runs"},
		{[]string{"run", "half-close", "--seed", "-1", "--out", out}, `--seed: "-1"`},
		{[]string{"run", "half-close", "--seed", "18446744073709551616", "--out", out}, `--seed: "18446744073709551616"`},
		{[]string{"run", "half-close", "--shard", "0/99999999999999999999", "--out", out}, "--shard"},
		{[]string{"trace", "half-close", "--point", "-9223372036854775808"}, "--point -9223372036854775808 is out of range"},
		{[]string{"trace", "half-close", "--run", "9223372036854775807"}, "--run 9223372036854775807 is out of range"},
		// 100 M runs of each of delayed-ack-boundary's points pass --runs'
		// range but not --max-runs (no --yes, no terminal).
		{[]string{"run", "delayed-ack-boundary", "--runs", "100000000", "--out", out}, "more than --max-runs 10000000"},
	}
	for _, c := range cases {
		_, errs, code := emu(t, "", c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("emu %s: exit %d, stderr %q; want exit 2 with %q", strings.Join(c.args, " "), code, errs, c.want)
		}
		if strings.Contains(errs, "goroutine ") {
			t.Errorf("emu %s printed a stack trace", strings.Join(c.args, " "))
		}
	}
}

// TestTotalRunsOverflow: the product of points and runs never wraps.
func TestTotalRunsOverflow(t *testing.T) {
	cases := []struct {
		points, runs int
		want         int64
		ok           bool
	}{
		{3, 3074457345618258603, 0, false}, // 9223372036854775809 > 2^63-1
		{3, 3074457345618258602, 9223372036854775806, true},
		{100000, 100000000, 10000000000000, true},
		{0, 5, 0, true},
		{-1, 5, 0, false},
	}
	for _, c := range cases {
		got, err := totalRuns(c.points, c.runs)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("TotalRuns(%d, %d) = %d, %v; want %d ok=%v", c.points, c.runs, got, err, c.want, c.ok)
		}
	}
}

var totalRuns = runner.TotalRuns

// TestNoRawControlBytes: an escape sequence in a --set key or value, or in
// a ${...} name, reaches the terminal escaped.
func TestNoRawControlBytes(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "esc.yaml")
	os.WriteFile(f, []byte("name: x\nclient:\n  do: [connect, {sleep: \"${\\e[31mred}\"}, close]\nserver:\n  do: [accept, close]\n"), 0o644)
	for _, args := range [][]string{
		{"run", "half-close", "--set", "link.delay=\x1b[31m5ms"},
		{"run", "half-close", "--set", "\x1b[2Jlink.delay=5ms"},
		{"validate", f},
	} {
		_, errs, code := emu(t, "", args...)
		if code != 2 || strings.ContainsRune(errs, 0x1b) || !strings.Contains(errs, `\x1b`) {
			t.Errorf("emu %q: exit %d, stderr %q", args, code, errs)
		}
	}
}
