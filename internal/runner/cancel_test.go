package runner

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/emu-sim/emu/scenarios"
)

// TestCancelInsideLongRun: cancellation reaches a run in progress. The
// single run here (a million connections) takes far longer than a second;
// cancelled 200 ms in, Execute returns Interrupted within a second, with
// nothing done. Before the event loop checked for it, Execute waited for
// the run to end.
func TestCancelInsideLongRun(t *testing.T) {
	src := `
name: long
runs: 2
stop_after: 1h
max_events: 1000000000000
link: {delay: 1ms}
connections: {count: 1000000, every: 10us, sample: 10s}
client:
  do: [connect, {send: 100B}, close]
server:
  do: [accept, {read: eof}, close]
`
	s, err := scenarios.Load("long.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	points, err := s.Points()
	if err != nil {
		t.Fatal(err)
	}
	plan := NewPlan(points, "test", 0, 0, false)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err = Execute(ctx, plan, t.TempDir(), Options{Jobs: 2})
	took := time.Since(start)
	var in *Interrupted
	if !errors.As(err, &in) || in.Done != 0 {
		t.Fatalf("got %v, want Interrupted with 0 runs done", err)
	}
	if took > 1200*time.Millisecond {
		t.Errorf("Execute returned %v after the start, more than 1 s after the cancel", took)
	}
}

// TestCancelDuringSummaries: a cancel that comes after the last run, while
// the summaries are written, is an interruption too (it once had to wait
// for summary.json, seconds for a large sweep): every run is kept, no
// output file is published, and --resume then gives the files of an
// uninterrupted run.
func TestCancelDuringSummaries(t *testing.T) {
	plan := boundaryPlan(3)
	whole := t.TempDir()
	if _, err := Execute(context.Background(), plan, whole, Options{Jobs: 2}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	total := int64(len(plan.Points) * plan.Runs)
	_, err := Execute(ctx, plan, dir, Options{Jobs: 2, Source: []byte(`{}`), Progress: func(done, _ int64) {
		if done == total {
			cancel()
		}
	}})
	var in *Interrupted
	if !errors.As(err, &in) || in.Done != total {
		t.Fatalf("got %v, want Interrupted with all %d runs done", err, total)
	}
	if IsComplete(dir) {
		t.Error("the folder is marked complete")
	}
	if _, err := Execute(context.Background(), plan, dir, Options{Jobs: 1, Resume: true}); err != nil {
		t.Fatal(err)
	}
	sameOutputs(t, "resumed after the summaries were cancelled", readOutputs(t, whole), readOutputs(t, dir))
}

// TestCancelDuringRestore: a --resume cancelled while it reads back the
// checkpoint stops at once and leaves the checkpoint as it was.
func TestCancelDuringRestore(t *testing.T) {
	plan := boundaryPlan(3)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	_, err := Execute(ctx, plan, dir, Options{Jobs: 1, Window: 2, Source: []byte(`{}`), Progress: func(done, _ int64) {
		if done == 20 {
			cancel()
		}
	}})
	var first *Interrupted
	if !errors.As(err, &first) {
		t.Fatalf("first run: %v", err)
	}
	done, stop := context.WithCancel(context.Background())
	stop()
	_, err = Execute(done, plan, dir, Options{Jobs: 1, Resume: true, Source: []byte(`{}`)})
	var in *Interrupted
	if !errors.As(err, &in) || in.Done != first.Done {
		t.Fatalf("cancelled resume: %v, want Interrupted at %d", err, first.Done)
	}
	if _, err := Execute(context.Background(), plan, dir, Options{Jobs: 1, Resume: true}); err != nil {
		t.Fatalf("resume after a cancelled resume: %v", err)
	}
	whole := t.TempDir()
	if _, err := Execute(context.Background(), plan, whole, Options{Jobs: 2}); err != nil {
		t.Fatal(err)
	}
	sameOutputs(t, "resumed twice", readOutputs(t, whole), readOutputs(t, dir))
}
