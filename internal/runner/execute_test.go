package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func readOutputs(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range []string{"runs.csv", "summary.csv", "summary.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		out[f] = b
	}
	return out
}

func sameOutputs(t *testing.T, what string, a, b map[string][]byte) {
	t.Helper()
	for f := range a {
		if !bytes.Equal(a[f], b[f]) {
			t.Errorf("%s: %s differs (%d vs %d bytes)", what, f, len(a[f]), len(b[f]))
		}
	}
}

// TestShardsMergeToUnsharded: four shards merged equal the unsharded run,
// byte for byte.
func TestShardsMergeToUnsharded(t *testing.T) {
	plan := boundaryPlan(7) // 21 points × 7 runs: not a multiple of 4
	whole := t.TempDir()
	if _, err := Execute(context.Background(), plan, whole, Options{Jobs: 2}); err != nil {
		t.Fatal(err)
	}
	var shards []string
	for i := 3; i >= 0; i-- { // in any order
		d := t.TempDir()
		res, err := Execute(context.Background(), plan, d, Options{Jobs: 2, Shard: Shard{Index: i, Count: 4}})
		if err != nil {
			t.Fatal(err)
		}
		if want := (Shard{Index: i, Count: 4}).size(21 * 7); res.Runs != want {
			t.Errorf("shard %d ran %d runs, want %d", i, res.Runs, want)
		}
		shards = append(shards, d)
	}
	merged := t.TempDir()
	n, err := Merge(merged, shards)
	if err != nil {
		t.Fatal(err)
	}
	if n != 21*7 {
		t.Errorf("merged %d rows", n)
	}
	sameOutputs(t, "merge of 4 shards", readOutputs(t, whole), readOutputs(t, merged))
	if _, err := Merge(t.TempDir(), shards[:3]); err == nil {
		t.Errorf("merging 3 of 4 shards succeeded")
	}
	if _, err := Merge(t.TempDir(), append(shards[:3:3], shards[0])); err == nil {
		t.Errorf("merging a shard twice succeeded")
	}
}

// TestInterruptAndResume: a run cancelled part-way leaves no output file,
// keeps its finished runs, and resumed gives the files of an uninterrupted
// run byte for byte — also when interrupted twice, and for a shard.
func TestInterruptAndResume(t *testing.T) {
	plan := boundaryPlan(10)
	whole := t.TempDir()
	if _, err := Execute(context.Background(), plan, whole, Options{Jobs: 2}); err != nil {
		t.Fatal(err)
	}
	for _, stops := range [][]int64{{37}, {5, 150}} {
		dir := t.TempDir()
		resume := false
		for _, at := range stops {
			ctx, cancel := context.WithCancel(context.Background())
			opt := Options{Jobs: 2, Window: 4, Resume: resume, Source: []byte(`{"test":1}`),
				Progress: func(done, _ int64) {
					if done == at {
						cancel()
					}
				}}
			_, err := Execute(ctx, plan, dir, opt)
			cancel()
			var in *Interrupted
			if !errors.As(err, &in) || in.Done < at || in.Done >= 210 {
				t.Fatalf("stop at %d: %v", at, err)
			}
			for _, f := range []string{"runs.csv", "summary.csv", "summary.json"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
					t.Errorf("%s exists after an interruption", f)
				}
			}
			var m map[string]int
			if src, err := ReadSource(dir); err != nil || json.Unmarshal(src, &m) != nil || m["test"] != 1 {
				t.Errorf("source %q %v", src, err)
			}
			resume = true
		}
		res, err := Execute(context.Background(), plan, dir, Options{Jobs: 2, Resume: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Resumed == 0 || res.Runs != 210 {
			t.Errorf("resumed %d, runs %d", res.Resumed, res.Runs)
		}
		sameOutputs(t, "resumed run", readOutputs(t, whole), readOutputs(t, dir))
		if _, err := os.Stat(filepath.Join(dir, PartialDir)); err == nil {
			t.Errorf("%s left behind", PartialDir)
		}
	}
	other := boundaryPlan(11)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	Execute(ctx, plan, dir, Options{Jobs: 1, Progress: func(d, _ int64) {
		if d == 3 {
			cancel()
		}
	}})
	if _, err := Execute(context.Background(), other, dir, Options{Resume: true}); err == nil {
		t.Errorf("resuming with a different plan succeeded")
	}
}

func TestParseShard(t *testing.T) {
	env := map[string]string{"JOB_COMPLETION_INDEX": "2"}
	get := func(k string) string { return env[k] }
	for _, c := range []struct {
		in   string
		want Shard
		ok   bool
	}{{"0/4", Shard{0, 4}, true}, {"3/4", Shard{3, 4}, true}, {"auto/4", Shard{2, 4}, true},
		{"4/4", Shard{}, false}, {"-1/4", Shard{}, false}, {"1/0", Shard{}, false}, {"x", Shard{}, false}, {"auto/2", Shard{}, false}} {
		got, err := ParseShard(c.in, get)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("%s: %v %v", c.in, got, err)
		}
	}
	env = map[string]string{"SLURM_ARRAY_TASK_ID": "1"}
	if s, err := ParseShard("auto/3", get); err != nil || s != (Shard{1, 3}) {
		t.Errorf("slurm: %v %v", s, err)
	}
}
