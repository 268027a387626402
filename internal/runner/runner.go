// Package runner executes a sweep: every run of every sweep point, on a pool
// of workers, with outputs that do not depend on the number of workers.
//
// Workers claim batches of consecutive runs in (point, run) order, run them
// on objects they reuse, format their rows, and may finish the batches in
// any order; a reorder window between the workers and the writer puts the
// batches back in order, and bounds memory: no worker runs more than a few
// batches ahead of the last row written. Statistics are accumulated by the
// writer, run by run and in order, so they are byte-identical whatever the
// number of jobs.
package runner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
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
	// 0 = 16 batches of up to 256 runs per job.
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

// sweepState is the writer's side of an execution: the rows' destination and
// the statistics so far.
type sweepState struct {
	rw *results.RunsWriter
	sw *bufio.Writer // states.csv, or nil
	// extraSum sums the extra columns per point, for Result.ExtraMeans.
	extraSum [][]float64
	extraN   []int
	acc      []*results.Accumulator
	done     int64 // rows written (restored ones included)
	res      Result
	cut      cutoffs
	line     []byte // a states.csv row being formatted, reused
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

// add writes one run's row (and its states.csv rows), restored from a
// checkpoint, and counts it.
func (st *sweepState) add(r *results.Run, o *results.Outcome, extra []string, nums []int, states [][]string) error {
	if err := st.rw.Write(r, o, extra...); err != nil {
		return err
	}
	if st.sw != nil {
		for _, row := range states {
			st.line = results.AppendCSVRecord(st.line[:0], row...)
			if _, err := st.sw.Write(st.line); err != nil {
				return fmt.Errorf("states.csv: %w", err)
			}
		}
	}
	st.count(r.Point, o, nums)
	return nil
}

// addBatch writes the rows of a batch, formatted by its worker, and counts
// its runs, in order.
func (st *sweepState) addBatch(plan *Plan, b *batch) error {
	n := len(b.recs)
	if n == 0 {
		return nil
	}
	first, last := &b.recs[0], &b.recs[n-1]
	if err := st.rw.WriteRows(b.rows, int64(n), first.point, first.run, last.point, last.run); err != nil {
		return err
	}
	if st.sw != nil {
		if _, err := st.sw.Write(b.states); err != nil {
			return fmt.Errorf("states.csv: %w", err)
		}
	}
	for i := range b.recs {
		o := &b.recs[i]
		st.count(o.point, &o.out, o.nums[:])
		st.noteCutoff(plan, o)
	}
	return nil
}

// count adds a run of point to the statistics; the summaries are updated
// run by run, so that nothing is held per run.
func (st *sweepState) count(point int, o *results.Outcome, nums []int) {
	st.acc[point].Add(o)
	if st.extraSum[point] == nil {
		st.extraSum[point] = make([]float64, len(sim.ExtraColumns))
	}
	for i, v := range nums {
		st.extraSum[point][i] += float64(v)
	}
	st.extraN[point]++
	st.done++
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
	if window > 64*MaxJobs {
		window = 0
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
	size, count := batching(jobs, window)
	s := &sweeper{plan: plan, shard: opt.Shard, total: total, jobs: jobs, maxSize: size}
	s.next.Store(start)
	dispatch, stopDispatch := context.WithCancel(ctx)
	defer stopDispatch()
	halt := func() {
		s.halt.Store(true)
		stopDispatch()
	}
	// Cancellation reaches the runs in progress through one flag, which
	// their event loops check every few thousand events.
	stopWatch := context.AfterFunc(ctx, func() { s.interrupt.Store(true) })
	defer stopWatch()

	// The free batches are the reorder window's credits: a worker claims
	// runs only with a batch in hand, so at most count batches are claimed
	// and not yet written.
	free := make(chan *batch, count)
	batches := make([]*batch, count)
	for i := range batches {
		batches[i] = batchPool.Get().(*batch)
		free <- batches[i]
	}
	// Every worker has returned when done is closed: the batches are
	// idle, and the next execution in the process takes them, grown.
	defer func() {
		for _, b := range batches {
			batchPool.Put(b)
		}
	}()
	done := make(chan *batch, count)
	var wg sync.WaitGroup
	for j := 0; j < jobs; j++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.work(dispatch, free, done)
		}()
	}
	go func() { wg.Wait(); close(done) }()

	pending := make([]*batch, 0, count)
	next := start
	var firstErr error
	stopped := false // the sequence is broken: nothing more is written
	for b := range done {
		if stopped || firstErr != nil {
			continue
		}
		if b.err != nil {
			firstErr = b.err
			halt()
			continue
		}
		pending = append(pending, b)
		for !stopped {
			i := slices.IndexFunc(pending, func(p *batch) bool { return p.lo == next })
			if i < 0 {
				break
			}
			cur := pending[i]
			pending = slices.Delete(pending, i, i+1)
			if err := st.addBatch(plan, cur); err != nil {
				firstErr = err
				halt()
				break
			}
			for range cur.recs {
				next++
				if opt.Progress != nil {
					opt.Progress(next, total)
				}
			}
			if !cur.complete() {
				// Interrupted: the runs after it cannot be written.
				stopped = true
				halt()
				break
			}
			free <- cur
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
