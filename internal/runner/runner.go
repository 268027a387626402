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
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

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
	// Origin, if set, is what the plan was made from (the scenario's text
	// and the command line's overrides): Fingerprint hashes it instead of
	// every resolved point, which for the largest sweeps is half a
	// gigabyte of JSON.
	Origin  []byte
	Version string
	// States: some point opens more than one connection per run, so runs
	// record states.csv.
	States bool
}

// Shard selects the runs of one of Count shards: run i of the sweep (runs
// numbered point-major) belongs to shard i mod Count. Interleaving keeps
// every shard's work spread over all sweep points.
type Shard struct {
	Index, Count int
}

// Sharded reports whether s selects part of the runs.
func (s Shard) Sharded() bool { return s.Count > 1 }

// global returns the sweep-wide index of the k-th run of the shard.
func (s Shard) global(k int64) int64 {
	if !s.Sharded() {
		return k
	}
	return int64(s.Index) + k*int64(s.Count)
}

// size returns how many of total runs belong to the shard.
func (s Shard) size(total int64) int64 {
	if !s.Sharded() {
		return total
	}
	n := total / int64(s.Count)
	if total%int64(s.Count) > int64(s.Index) {
		n++
	}
	return n
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
	// Shard runs only part of the sweep.
	Shard Shard
	// Resume continues an interrupted run from the folder's checkpoint.
	Resume bool
	// Source is stored with a checkpoint so that the run can be resumed
	// from the folder alone (the command line keeps its arguments there).
	Source []byte
	// Files are published with the outputs, in the same set (the
	// scenario as given and the folder's record; see RecordFile).
	Files []File
}

// Result is what a finished sweep produced.
type Result struct {
	Summaries []results.PointSummary
	// ExtraMeans are, per point, the means of the runs.csv columns after
	// the contract's (sim.ExtraColumns: connections, connections_failed,
	// peak_time_wait).
	ExtraMeans [][]float64
	Runs       int64    // runs in this execution's output (a shard's own)
	Resumed    int64    // runs restored from a checkpoint
	Warnings   []string // e.g. runs that hit their event budget
}

// task is one run's compact outcome on its way from a worker to the writer.
type task struct {
	seq    int64 // position in this execution's sequence of runs
	run    results.Run
	out    results.Outcome
	extra  []string   // the values of sim.RowColumns, as written
	nums   []int      // the values of sim.ExtraColumns, for the means
	unborn int        // connections never started (the run ended first)
	states [][]string // states.csv rows, when the plan records them
	err    error
}

// sweepState is the writer's side of an execution: the rows' destination and
// the statistics so far.
type sweepState struct {
	rw *results.RunsWriter
	sw *csv.Writer // states.csv, or nil
	// extraSum sums the extra columns per point, for Result.ExtraMeans.
	extraSum [][]float64
	extraN   []int
	acc      []*results.Accumulator
	done     int64 // rows written (restored ones included)
	res      Result
	cut      cutoffs
}

func newSweepState(plan *Plan, w io.Writer) (*sweepState, error) {
	rw, err := results.NewRunsWriter(w, plan.Keys, sim.RowColumns...)
	if err != nil {
		return nil, err
	}
	st := &sweepState{rw: rw, acc: make([]*results.Accumulator, len(plan.Points)),
		extraSum: make([][]float64, len(plan.Points)), extraN: make([]int, len(plan.Points))}
	for p := range plan.Points {
		st.acc[p] = results.NewAccumulator(p, plan.Points[p].Values)
	}
	return st, nil
}

func (st *sweepState) add(r *results.Run, o *results.Outcome, extra []string, nums []int, states [][]string) error {
	if err := st.rw.Write(r, o, extra...); err != nil {
		return err
	}
	if st.sw != nil {
		if err := st.sw.WriteAll(states); err != nil {
			return fmt.Errorf("states.csv: %w", err)
		}
	}
	st.acc[r.Point].Add(o)
	if st.extraSum[r.Point] == nil {
		st.extraSum[r.Point] = make([]float64, len(sim.ExtraColumns))
	}
	for i, v := range nums {
		st.extraSum[r.Point][i] += float64(v)
	}
	st.extraN[r.Point]++
	st.done++
	return nil
}

func (st *sweepState) extraMeans() [][]float64 {
	out := make([][]float64, len(st.extraSum))
	for p, sums := range st.extraSum {
		out[p] = make([]float64, len(sums))
		for i, s := range sums {
			out[p][i] = s / float64(st.extraN[p])
		}
	}
	return out
}

func (st *sweepState) summaries() []results.PointSummary {
	out := make([]results.PointSummary, 0, len(st.acc))
	means := st.extraMeans()
	for p, a := range st.acc {
		out = append(out, withExtra(a.Summary(), means[p]))
	}
	return out
}

// withExtra adds the means of the extra runs.csv columns to a point's
// summary, as the later columns <name>_mean.
func withExtra(s results.PointSummary, means []float64) results.PointSummary {
	for i, name := range sim.ExtraColumns {
		v := 0.0
		if i < len(means) {
			v = means[i]
		}
		s.Extra = append(s.Extra, results.ExtraStat{Name: name + "_mean", Value: v})
	}
	return s
}

// Stream runs the whole plan (or a shard of it) and writes runs.csv to w; it
// returns the summaries. It keeps no checkpoint: see Execute for that.
func Stream(ctx context.Context, plan *Plan, w io.Writer, opt Options) (*Result, error) {
	st, err := newSweepState(plan, w)
	if err != nil {
		return nil, err
	}
	if err := run(ctx, plan, st, opt); err != nil {
		return nil, err
	}
	if err := st.rw.Flush(); err != nil {
		return nil, err
	}
	st.res.Runs = st.done
	st.res.Summaries = st.summaries()
	st.res.ExtraMeans = st.extraMeans()
	return &st.res, nil
}

// run executes the runs of the plan from st.done on, writing them to st.
// When ctx is cancelled it stops handing out runs, writes the runs in flight
// that continue the ordered sequence, and returns ctx's error.
func run(ctx context.Context, plan *Plan, st *sweepState, opt Options) error {
	jobs := opt.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	jobs = min(jobs, MaxJobs)
	window := opt.Window
	if window <= 0 || window > 64*MaxJobs {
		window = 64 * jobs
	}
	all, err := TotalRuns(len(plan.Points), plan.Runs)
	if err != nil {
		return err
	}
	total := opt.Shard.size(all)
	start := st.done
	if start > total {
		return fmt.Errorf("runner: the checkpoint has %d runs, the sweep only %d", start, total)
	}
	dispatch, stopDispatch := context.WithCancel(ctx)
	defer stopDispatch()
	// Cancellation reaches the runs in progress through one flag, which
	// their event loops check every few thousand events.
	var interrupt atomic.Bool
	stopWatch := context.AfterFunc(ctx, func() { interrupt.Store(true) })
	defer stopWatch()

	// credits bound the reorder window: a run is handed out only when the
	// writer has room for its result.
	credits := make(chan struct{}, window)
	for i := 0; i < window; i++ {
		credits <- struct{}{}
	}
	tasks := make(chan int64, jobs)
	done := make(chan task, jobs)
	go func() {
		defer close(tasks)
		for k := start; k < total; k++ {
			select {
			case <-credits:
			case <-dispatch.Done():
				return
			}
			select {
			case tasks <- k:
			case <-dispatch.Done():
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
			worker.SetInterrupt(&interrupt)
			for k := range tasks {
				done <- runOne(worker, plan, k, opt.Shard.global(k))
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	pending := make([]*task, window)
	next := start
	var firstErr error
	for t := range done {
		if firstErr != nil {
			continue
		}
		if errors.Is(t.err, sim.ErrInterrupted) {
			// Abandoned; the rows before it are still written.
			continue
		}
		if t.err != nil {
			firstErr = t.err
			stopDispatch()
			continue
		}
		tt := t
		pending[t.seq%int64(window)] = &tt
		for {
			slot := &pending[next%int64(window)]
			cur := *slot
			if cur == nil || cur.seq != next {
				break
			}
			*slot = nil
			if err := st.add(&cur.run, &cur.out, cur.extra, cur.nums, cur.states); err != nil {
				firstErr = err
				stopDispatch()
				break
			}
			st.noteCutoff(plan, cur)
			next++
			credits <- struct{}{}
			if opt.Progress != nil {
				opt.Progress(next, total)
			}
		}
	}
	if firstErr != nil {
		return firstErr
	}
	st.cutoffSummary()
	if next < total {
		if err := ctx.Err(); err != nil {
			return err
		}
		return errors.New("runner: not every run finished")
	}
	return nil
}

// RunRow runs row (point, run) of the plan's runs.csv on w, with the seed
// that row was written with: emu trace uses it to show exactly the run a
// row describes, and the sweep runs every row through it.
func RunRow(w *sim.Worker, plan *Plan, point, run int) (*results.Run, uint64, error) {
	seed := engine.RunSeed(plan.Seed, point, run)
	r, err := w.Run(plan.Points[point].Params, point, run, seed)
	return r, seed, err
}

// runOne executes run i of the sweep (runs numbered point-major); seq is its
// position in this execution's sequence.
func runOne(w *sim.Worker, plan *Plan, seq, i int64) task {
	point, run := int(i/int64(plan.Runs)), int(i%int64(plan.Runs))
	r, _, err := RunRow(w, plan, point, run)
	if err != nil {
		return task{seq: seq, err: fmt.Errorf("point %d run %d: %w", point, run, err)}
	}
	t := task{seq: seq, out: results.Classify(r)}
	st := w.Stats()
	if plan.Points[point].Params.Connections.Count <= 1 {
		st.CloseTypes[t.out.CloseType] = 1
	}
	t.extra = append(st.Columns(), r.Exit[results.Client], r.Exit[results.Server])
	t.nums = st.Values()
	t.unborn = st.NeverStarted
	if plan.States {
		t.states = statesRows(point, run, w.Samples())
	}
	t.run = *r
	t.run.Segments, t.run.Track = nil, nil
	t.run.SweepValues = plan.Points[point].Values
	return t
}
