package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/emu-sim/emu/scenarios"
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

// manyPlan is a small sweep of runs with many connections, which record
// states.csv.
func manyPlan(t *testing.T) *Plan {
	t.Helper()
	src := `
name: many
runs: 5
link: {delay: 1ms}
connections: {count: 300, every: 3ms, sample: 100ms}
client:
  host: {port_range: 40000-40199}
  do: [connect, {send: 100B}, close]
server:
  do: [accept, {read: eof}, close]
sweep:
  connections.every: [3ms, 300us]
`
	s, err := scenarios.Load("many.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	pts, err := s.Points()
	if err != nil {
		t.Fatal(err)
	}
	plan := NewPlan(pts, "test", 0, 0, false)
	if !plan.States {
		t.Fatal("a plan of many connections does not record states")
	}
	return plan
}

// TestStatesShardResume: states.csv is written for runs of many
// connections, and merging shards or resuming an interrupted run gives it
// byte for byte like the uninterrupted, unsharded run.
func TestStatesShardResume(t *testing.T) {
	plan := manyPlan(t)
	whole := t.TempDir()
	if _, err := Execute(context.Background(), plan, whole, Options{Jobs: 2}); err != nil {
		t.Fatal(err)
	}
	want := readOutputs(t, whole)
	b, err := os.ReadFile(filepath.Join(whole, StatesFile))
	if err != nil {
		t.Fatal(err)
	}
	want[StatesFile] = b
	lines := bytes.Count(b, []byte("\n"))
	if lines < 2*2*5 || !bytes.HasPrefix(b, []byte("point,run,time_ms,host,syn_sent,")) {
		t.Fatalf("states.csv has %d lines:\n%.300s", lines, b)
	}
	// At 300 us a gap, 300 connections through 200 ports: TIME_WAIT fills
	// the range and later connects fail.
	if !bytes.Contains(b, []byte(",client,0,0,0,0,0,0,0,0,200\n")) {
		t.Errorf("no sample with the 200 client ports all in TIME_WAIT:\n%.600s", b)
	}
	withStates := func(dir string) map[string][]byte {
		m := readOutputs(t, dir)
		m[StatesFile], _ = os.ReadFile(filepath.Join(dir, StatesFile))
		return m
	}
	var shards []string
	for i := 0; i < 3; i++ {
		d := t.TempDir()
		if _, err := Execute(context.Background(), plan, d, Options{Jobs: 2, Shard: Shard{Index: i, Count: 3}}); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, d)
	}
	merged := t.TempDir()
	if _, err := Merge(merged, shards); err != nil {
		t.Fatal(err)
	}
	sameOutputs(t, "merge", want, withStates(merged))
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	_, err = Execute(ctx, plan, dir, Options{Jobs: 2, Window: 2, Progress: func(d, _ int64) {
		if d == 4 {
			cancel()
		}
	}})
	cancel()
	var in *Interrupted
	if !errors.As(err, &in) {
		t.Fatalf("not interrupted: %v", err)
	}
	if _, err := Execute(context.Background(), plan, dir, Options{Jobs: 2, Resume: true}); err != nil {
		t.Fatal(err)
	}
	sameOutputs(t, "resume", want, withStates(dir))
}
