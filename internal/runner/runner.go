// Package runner executes a sweep: every run of every sweep point, on a pool
// of workers, with outputs that do not depend on the number of workers.
//
// Workers take runs in (point, run) order and may finish them in any order;
// a reorder window between the workers and the writer puts the rows back in
// order, and bounds memory: no worker runs more than Window runs ahead of the
// last row written. Statistics are accumulated by the writer, in order, so
// they are byte-identical whatever the number of jobs.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
)

// Point is one sweep point: its parameters and the values of the sweep keys.
type Point struct {
	Values []string // one per Plan.Keys, as written in the CSV files
	Params *sim.Params
}

// Plan is everything a sweep runs.
type Plan struct {
	Name     string
	Seed     uint64
	Runs     int // runs per point
	Keys     []string
	Points   []Point
	Scenario any // recorded in summary.json
	Version  string
}

// Options control how a plan runs.
type Options struct {
	Jobs int // workers; 0 = runtime.NumCPU()
	// Progress, if set, is called from the writer after each finished run
	// with the number of runs done and in total.
	Progress func(done, total int64)
	// Window bounds how far workers may run ahead of the writer (in runs);
	// 0 = 64 per job.
	Window int
}

// Result is what a finished sweep produced.
type Result struct {
	Summaries []results.PointSummary
	Runs      int64
	Warnings  []string // e.g. runs that hit their event budget
}

// task is one run's compact outcome on its way from a worker to the writer.
type task struct {
	index int64
	run   results.Run // without segments
	out   results.Outcome
	err   error
}

// Execute runs the plan and writes runs.csv, summary.csv and summary.json to
// dir, each whole or not at all. If ctx is cancelled, no output file is
// written and ctx's error is returned.
func Execute(ctx context.Context, plan *Plan, dir string, opt Options) (*Result, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("output folder: %w", err)
	}
	runsFile, err := results.CreateAtomic(filepath.Join(dir, "runs.csv"))
	if err != nil {
		return nil, err
	}
	defer runsFile.Abort()
	res, err := Stream(ctx, plan, runsFile, opt)
	if err != nil {
		return nil, err
	}
	if err := runsFile.Commit(); err != nil {
		return nil, err
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, "summary.csv"), func(w io.Writer) error {
		return results.WriteSummaryCSV(w, plan.Keys, res.Summaries)
	}); err != nil {
		return nil, err
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, "summary.json"), func(w io.Writer) error {
		return results.WriteSummaryJSON(w, plan.Version, plan.Scenario, plan.Keys, res.Summaries)
	}); err != nil {
		return nil, err
	}
	return res, nil
}

// Stream runs the plan and writes runs.csv to w; it returns the summaries.
func Stream(ctx context.Context, plan *Plan, w io.Writer, opt Options) (*Result, error) {
	jobs := opt.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	window := opt.Window
	if window <= 0 {
		window = 64 * jobs
	}
	total := int64(len(plan.Points)) * int64(plan.Runs)
	rw, err := results.NewRunsWriter(w, plan.Keys)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// credits bound the reorder window: a task is handed out only when the
	// writer has room for its result.
	credits := make(chan struct{}, window)
	for i := 0; i < window; i++ {
		credits <- struct{}{}
	}
	tasks := make(chan int64, jobs)
	done := make(chan task, jobs)
	go func() {
		defer close(tasks)
		for i := int64(0); i < total; i++ {
			select {
			case <-credits:
			case <-ctx.Done():
				return
			}
			select {
			case tasks <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for j := 0; j < jobs; j++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker := sim.NewWorker()
			for i := range tasks {
				done <- runOne(worker, plan, i)
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	acc := make([]*results.Accumulator, len(plan.Points))
	for p := range plan.Points {
		acc[p] = results.NewAccumulator(p, plan.Points[p].Values)
	}
	res := &Result{}
	pending := make([]*task, window)
	var next int64
	var firstErr error
	for t := range done {
		if t.err != nil {
			if firstErr == nil {
				firstErr = t.err
				cancel()
			}
			continue
		}
		if firstErr != nil {
			continue
		}
		tt := t
		pending[t.index%int64(window)] = &tt
		for {
			slot := &pending[next%int64(window)]
			cur := *slot
			if cur == nil || cur.index != next {
				break
			}
			*slot = nil
			if err := rw.Write(&cur.run, &cur.out); err != nil {
				firstErr = err
				cancel()
				break
			}
			acc[cur.run.Point].Add(&cur.out)
			if cur.run.HitHorizon && cur.out.CloseType == results.Incomplete && len(res.Warnings) < 10 {
				res.Warnings = append(res.Warnings, fmt.Sprintf("point %d run %d reached stop_after or the event budget before the connection ended", cur.run.Point, cur.run.Run))
			}
			next++
			credits <- struct{}{}
			if opt.Progress != nil {
				opt.Progress(next, total)
			}
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil && next < total {
		return nil, err
	}
	if next != total {
		return nil, errors.New("runner: not every run finished")
	}
	if err := rw.Flush(); err != nil {
		return nil, err
	}
	res.Runs = next
	for _, a := range acc {
		res.Summaries = append(res.Summaries, a.Summary())
	}
	return res, nil
}

// runOne executes run i of the plan (runs are numbered point-major).
func runOne(w *sim.Worker, plan *Plan, i int64) task {
	point, run := int(i/int64(plan.Runs)), int(i%int64(plan.Runs))
	seed := engine.RunSeed(plan.Seed, point, run)
	r, err := w.Run(plan.Points[point].Params, point, run, seed)
	if err != nil {
		return task{index: i, err: fmt.Errorf("point %d run %d: %w", point, run, err)}
	}
	t := task{index: i, out: results.Classify(r)}
	t.run = *r
	t.run.Segments = nil
	t.run.SweepValues = plan.Points[point].Values
	return t
}
