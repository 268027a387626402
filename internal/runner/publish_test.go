package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputSetAtomic: a run that fails after its rows are done (here:
// summary.csv cannot be written) leaves the earlier run's complete set as
// it was, marker included; it once renamed its runs.csv into place first,
// leaving a folder that looked complete but mixed two runs.
func TestOutputSetAtomic(t *testing.T) {
	dir := t.TempDir()
	if _, err := Execute(context.Background(), boundaryPlan(2), dir, Options{Jobs: 1}); err != nil {
		t.Fatal(err)
	}
	if !IsComplete(dir) {
		t.Fatal("no completion marker after a finished run")
	}
	before := readOutputs(t, dir)
	// A folder where summary.csv should be staged makes the second run fail
	// after its rows.
	if err := os.MkdirAll(filepath.Join(dir, PartialDir, "summary.csv"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Execute(context.Background(), boundaryPlan(3), dir, Options{Jobs: 1}); err == nil {
		t.Fatal("the second run succeeded")
	}
	after := readOutputs(t, dir)
	for f := range before {
		if !bytes.Equal(before[f], after[f]) {
			t.Errorf("%s changed although the second run failed", f)
		}
	}
	if !IsComplete(dir) {
		t.Error("the marker of the first, complete run is gone")
	}
}

// TestOutputSetReplaced: a run's files replace every file of an earlier
// run, including one the new run does not write (states.csv).
func TestOutputSetReplaced(t *testing.T) {
	dir := t.TempDir()
	if _, err := Execute(context.Background(), manyPlan(t), dir, Options{Jobs: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, StatesFile)); err != nil {
		t.Fatalf("the first run wrote no states.csv: %v", err)
	}
	if _, err := Execute(context.Background(), boundaryPlan(1), dir, Options{Jobs: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, StatesFile)); err == nil {
		t.Error("states.csv of the earlier run is still there")
	}
	b, _ := os.ReadFile(filepath.Join(dir, CompleteFile))
	if !strings.Contains(string(b), `"runs.csv"`) || strings.Contains(string(b), StatesFile) {
		t.Errorf("marker lists %s", b)
	}
	if _, err := os.Stat(filepath.Join(dir, PartialDir)); err == nil {
		t.Error("the staging folder was left behind")
	}
}

// TestMergeRefuses: merge refuses an --out that is one of the shards, and
// a shard folder without the completion marker.
func TestMergeRefuses(t *testing.T) {
	plan := boundaryPlan(2)
	var shards []string
	for i := 0; i < 2; i++ {
		d := t.TempDir()
		if _, err := Execute(context.Background(), plan, d, Options{Jobs: 1, Shard: Shard{Index: i, Count: 2}}); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, d)
	}
	if _, err := Merge(shards[1], shards); err == nil || !strings.Contains(err.Error(), "is one of the shards") {
		t.Errorf("merge into a shard: %v", err)
	}
	os.Remove(filepath.Join(shards[0], CompleteFile))
	if _, err := Merge(t.TempDir(), shards); err == nil || !strings.Contains(err.Error(), "not a finished shard") {
		t.Errorf("merge of an unmarked shard: %v", err)
	}
}

// TestMergeChecksRows: a shard whose runs.csv rows were swapped (each row
// still well-formed) is refused; merge once trusted the order.
func TestMergeChecksRows(t *testing.T) {
	plan := boundaryPlan(2)
	var shards []string
	for i := 0; i < 2; i++ {
		d := t.TempDir()
		if _, err := Execute(context.Background(), plan, d, Options{Jobs: 1, Shard: Shard{Index: i, Count: 2}}); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, d)
	}
	path := filepath.Join(shards[1], "runs.csv")
	b, _ := os.ReadFile(path)
	lines := strings.Split(string(b), "\n")
	lines[1], lines[2] = lines[2], lines[1]
	os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
	if _, err := Merge(t.TempDir(), shards); err == nil || !strings.Contains(err.Error(), "where point 0 run 1 belongs") {
		t.Errorf("merge of swapped rows: %v", err)
	}
}
