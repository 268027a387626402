package runner

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/scenarios"
)

// TestTraceRowIsTheRow: every row of runs.csv, run again through TraceRow
// on a worker that records a trace, comes out field for field as the
// sweep wrote it: a traced run is the row's run. Both a one-connection
// sweep and one of many connections (whose extra columns count every
// connection) are checked.
func TestTraceRowIsTheRow(t *testing.T) {
	for _, c := range []struct {
		name string
		plan *Plan
	}{
		{"boundary", boundaryPlan(2)},
		{"many", manyPlan(t)},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Execute(context.Background(), c.plan, dir, Options{Jobs: 2}); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(filepath.Join(dir, "runs.csv"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			recs, err := csv.NewReader(f).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if want := 1 + len(c.plan.Points)*c.plan.Runs; len(recs) != want {
				t.Fatalf("runs.csv has %d lines, want %d", len(recs), want)
			}
			w := sim.NewWorker()
			w.SetTrace(&results.Trace{})
			for i, rec := range recs[1:] {
				p, r := i/c.plan.Runs, i%c.plan.Runs
				row, err := TraceRow(w, c.plan, p, r)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(row.Header, recs[0]) {
					t.Fatalf("header %v, runs.csv has %v", row.Header, recs[0])
				}
				if !slices.Equal(row.Record, rec) {
					t.Errorf("point %d run %d: traced %v\nruns.csv  %v", p, r, row.Record, rec)
				}
				header, found, ok, err := FindRow(dir, p, r)
				if err != nil || !ok || !slices.Equal(found, rec) || !slices.Equal(header, recs[0]) {
					t.Errorf("FindRow(%d, %d) = %v, %v, %v", p, r, found, ok, err)
				}
			}
			if _, _, ok, err := FindRow(dir, len(c.plan.Points), 0); ok || err != nil {
				t.Errorf("FindRow past the last point: ok %v, err %v", ok, err)
			}
			if _, err := TraceRow(w, c.plan, 0, c.plan.Runs); err == nil {
				t.Error("TraceRow of a run past the point's last: no error")
			}
		})
	}
}

// TestRecordFilesPublished: Options.Files are published with the data
// files, listed in the completion marker; a later run without them removes
// them with the rest of the earlier set; a name an output folder does not
// hold is refused before anything is published. Merge publishes its extra
// files too.
func TestRecordFilesPublished(t *testing.T) {
	dir := t.TempDir()
	scen := []byte("name: x\n# exact bytes, comments kept\n")
	rec := []byte(`{"argv":["emu","run","x"]}` + "\n")
	files := []File{{Name: ScenarioFile, Data: scen}, {Name: RecordFile, Data: rec}}
	if _, err := Execute(context.Background(), boundaryPlan(1), dir, Options{Jobs: 1, Files: files}); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil || string(b) != string(f.Data) {
			t.Errorf("%s: %q, %v; want %q", f.Name, b, err, f.Data)
		}
		got, err := ReadRecord(dir, f.Name)
		if err != nil || string(got) != string(f.Data) {
			t.Errorf("ReadRecord(%s) = %q, %v", f.Name, got, err)
		}
	}
	var c complete
	b, _ := os.ReadFile(filepath.Join(dir, CompleteFile))
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if want := []string{"runs.csv", "summary.csv", "summary.json", ScenarioFile, RecordFile}; !slices.Equal(c.Files, want) {
		t.Errorf("marker lists %v, want %v", c.Files, want)
	}
	if CompleteFingerprint(dir) != Fingerprint(boundaryPlan(1)) {
		t.Errorf("CompleteFingerprint %q, want the plan's", CompleteFingerprint(dir))
	}
	if _, err := Execute(context.Background(), boundaryPlan(1), dir, Options{Jobs: 1}); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f.Name)); err == nil {
			t.Errorf("%s of the earlier run is still there", f.Name)
		}
	}
	if _, err := ReadRecord(dir, RecordFile); err == nil || !strings.Contains(err.Error(), "has no run.json") {
		t.Errorf("ReadRecord without run.json: %v", err)
	}
	bad := t.TempDir()
	if _, err := Execute(context.Background(), boundaryPlan(1), bad, Options{Jobs: 1, Files: []File{{Name: "../evil", Data: nil}}}); err == nil {
		t.Error("a file name outside the folder's set was published")
	}
	if IsComplete(bad) {
		t.Error("the refused run left a complete folder")
	}
	if _, err := ReadRecord(bad, RecordFile); err == nil || !strings.Contains(err.Error(), "no finished run") {
		t.Errorf("ReadRecord of an unfinished folder: %v", err)
	}

	plan := boundaryPlan(2)
	var shards []string
	for i := 0; i < 2; i++ {
		d := filepath.Join(t.TempDir(), "s")
		if _, err := Execute(context.Background(), plan, d, Options{Jobs: 1, Shard: Shard{Index: i, Count: 2}, Files: files}); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, d)
	}
	merged := filepath.Join(t.TempDir(), "m")
	if _, err := Merge(merged, shards, File{Name: RecordFile, Data: []byte("{}\n")}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(merged, RecordFile)); string(b) != "{}\n" {
		t.Errorf("merged run.json %q", b)
	}
	if _, err := os.Stat(filepath.Join(merged, ScenarioFile)); err == nil {
		t.Error("merge published a scenario.yaml it was not given")
	}
}

// TestFindInterrupted: a run stopped part-way leaves a checkpoint that
// FindInterrupted reports with its counts; DiscardInterrupted removes it,
// after which a new run starts from nothing; a complete folder, an empty
// one and a missing one hold none.
func TestFindInterrupted(t *testing.T) {
	dir := t.TempDir()
	plan := boundaryPlan(4) // 21 points
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opt := Options{Jobs: 1, Window: 1, Progress: func(done, total int64) {
		if done == 10 {
			cancel()
		}
	}}
	_, err := Execute(ctx, plan, dir, opt)
	var in *Interrupted
	if !errors.As(err, &in) {
		t.Fatalf("Execute: %v, want *Interrupted", err)
	}
	got, ok := FindInterrupted(dir)
	if !ok || got.Done != in.Done || got.Total != 84 || got.Done < 10 || got.Done >= 84 {
		t.Fatalf("FindInterrupted = %+v, %v; the run stopped at %d of 84", got, ok, in.Done)
	}
	// While another emu holds the folder (resuming it), the checkpoint is
	// that emu's: not reported, and not discarded.
	held, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := FindInterrupted(dir); ok {
		t.Error("a checkpoint another emu holds was reported")
	}
	if err := DiscardInterrupted(dir); !errors.Is(err, ErrBusy) {
		t.Errorf("DiscardInterrupted of a held folder: %v, want ErrBusy", err)
	}
	held.unlock()
	if err := DiscardInterrupted(dir); err != nil {
		t.Fatal(err)
	}
	if _, ok := FindInterrupted(dir); ok {
		t.Error("the checkpoint is still there after DiscardInterrupted")
	}
	if _, err := os.Stat(filepath.Join(dir, PartialDir)); err == nil {
		t.Error(PartialDir + " is still there")
	}
	if _, err := Execute(context.Background(), plan, dir, Options{Jobs: 1}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, t.TempDir(), filepath.Join(t.TempDir(), "missing")} {
		if _, ok := FindInterrupted(d); ok {
			t.Errorf("%s: an interrupted run reported", d)
		}
		if err := DiscardInterrupted(d); err != nil {
			t.Errorf("DiscardInterrupted(%s) without one: %v", d, err)
		}
	}
}

// TestPlanRecordsEffectiveSeedAndRuns: the per-point configurations that
// summary.json records carry the seed and runs that ran (--seed, --runs),
// not the file's.
func TestPlanRecordsEffectiveSeedAndRuns(t *testing.T) {
	src := "name: s\nseed: 3\nruns: 5\nclient: {do: [connect, close]}\nserver: {do: [accept, close]}\nvars: {d: 0ms}\nsweep: {d: [0ms, 1ms]}\n"
	for _, c := range []struct {
		runs      int
		seed      uint64
		seedSet   bool
		wantSeed  uint64
		wantRuns  int
		wantsText string
	}{
		{0, 0, false, 3, 5, "file's"},
		{7, 0, false, 3, 7, "--runs 7"},
		{0, 0, true, 0, 5, "--seed 0"},
		{2, 99, true, 99, 2, "--runs 2 --seed 99"},
	} {
		s, err := scenarios.Load("s.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		pts, err := s.Points()
		if err != nil {
			t.Fatal(err)
		}
		plan := NewPlan(pts, "test", c.runs, c.seed, c.seedSet)
		if plan.Seed != c.wantSeed || plan.Runs != c.wantRuns {
			t.Errorf("%s: plan seed %d runs %d", c.wantsText, plan.Seed, plan.Runs)
		}
		for _, p := range plan.Scenario.(resolvedScenario).Points {
			if p.Config.Seed != c.wantSeed || p.Config.Runs != c.wantRuns {
				t.Errorf("%s: point %d records seed %d runs %d, want %d and %d", c.wantsText, p.Point, p.Config.Seed, p.Config.Runs, c.wantSeed, c.wantRuns)
			}
		}
	}
}
