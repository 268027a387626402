package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// FuzzFlags: any values of the numeric and shard flags of run and trace
// give exit 0 or 2 (bad input), never a panic, a stack trace or exit 1.
// --max-runs is fixed at 20 so that a valid sweep stays small.
func FuzzFlags(f *testing.F) {
	f.Add("1", "1", "0", "0/1", "0", "0")
	f.Add("3074457345618258603", "144115188075855872", "18446744073709551615", "auto/3", "-1", "9223372036854775807")
	f.Add("", "", "", "", "", "")
	f.Add("0x10", "1e3", "-0", "1/0", "+1", " 1")
	f.Fuzz(func(t *testing.T, runs, jobs, seed, shard, point, run string) {
		dir := filepath.Join(t.TempDir(), "out")
		for _, args := range [][]string{
			{"run", "half-close", "--quiet", "--out", dir, "--max-runs", "20", "--runs", runs, "--jobs", jobs, "--seed", seed, "--shard", shard},
			{"trace", "half-close", "--point", point, "--run", run},
		} {
			_, errs, code := emu(t, "", args...)
			if code != 0 && code != 2 {
				t.Fatalf("emu %q: exit %d: %s", args, code, errs)
			}
			if strings.Contains(errs, "goroutine ") || strings.Contains(errs, "panic") {
				t.Fatalf("emu %q: %s", args, errs)
			}
		}
	})
}
