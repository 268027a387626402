package runner

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
)

// Workers claim runs in batches: one atomic add to claim, one channel
// message to hand the results over, and the rows formatted by the worker
// that ran them, so that the writer only copies bytes and counts. A run of
// the delayed-ACK sweep takes a few microseconds; a hand-over per run cost
// as much as the run.

// maxBatch bounds the runs of one batch; the reorder window holds a few
// batches per job, so it also bounds memory (about 300 bytes a run).
const maxBatch = 256

// batchEvents is the work a batch aims at, in simulator events: runs of a
// few dozen events go maxBatch at a time, runs of a million events one at
// a time, so that progress stays smooth and the last batches of a sweep
// end close together. Only the batching depends on it, never a result.
const batchEvents = 1 << 16

// runOutcome is what the writer needs of a run besides its formatted rows.
type runOutcome struct {
	point, run int
	out        results.Outcome
	nums       [sim.NumExtraColumns]int // the values of sim.ExtraColumns
	unborn     int                      // connections never started (the run ended first)
	hitHorizon bool
	hitBudget  bool
}

// batch is consecutive runs of this execution's sequence, from lo on, run
// by one worker: their runs.csv rows and states.csv rows, formatted, and
// their outcomes. A batch is reused once the writer has written it.
type batch struct {
	lo     int64 // position of the first run in this execution's sequence
	want   int   // runs claimed; len(recs) of them are done
	recs   []runOutcome
	rows   []byte
	states []byte
	// err is the failure of run lo+len(recs); a batch cut short without
	// an error was interrupted (cancellation).
	err error
}

// batchPool keeps the batches of finished executions for the next one in
// the same process (tests, benchmarks, a server running sweeps), with the
// storage they grew.
var batchPool = sync.Pool{New: func() any { return new(batch) }}

func (b *batch) reset(lo int64, want int) {
	b.lo, b.want, b.err = lo, want, nil
	b.recs, b.rows, b.states = b.recs[:0], b.rows[:0], b.states[:0]
}

// complete reports whether every run claimed is done.
func (b *batch) complete() bool { return len(b.recs) == b.want }

// sweeper hands out the runs of one execution to its workers.
type sweeper struct {
	plan    *Plan
	shard   Shard
	total   int64
	jobs    int
	maxSize int          // most runs in a batch
	next    atomic.Int64 // next position to claim
	// interrupt is set when the context is cancelled: runs in progress
	// end within a few thousand events, workers start no further run.
	interrupt atomic.Bool
	// halt is set when the writer stops (an error, or the sequence broken
	// by an interruption): workers start no further run.
	halt atomic.Bool
}

// batching returns the largest batch and the number of batches in the
// reorder window for jobs workers and a window of window runs (0: the
// default of 16 batches per job: a worker the operating system holds
// back for a while does not stop the others at once).
func batching(jobs, window int) (size, count int) {
	if window <= 0 {
		return maxBatch, 16 * jobs
	}
	// Two batches per job fit the window, so that no worker waits for a
	// batch while another's is written.
	size = min(maxBatch, max(1, window/(2*jobs)))
	return size, max(1, window/size)
}

// work runs batches until none is left or the sweep stops: free holds the
// batches the window has room for, done receives each finished one.
func (s *sweeper) work(ctx context.Context, free chan *batch, done chan<- *batch) {
	w := sim.NewWorker()
	w.SetInterrupt(&s.interrupt)
	size := 1 // the cost of a run is unknown until one has run
	for {
		var b *batch
		select {
		case b = <-free:
		case <-ctx.Done():
			return
		}
		lo := s.next.Load()
		var want int
		for {
			if lo >= s.total {
				free <- b // the credit goes back (free has room for it)
				return
			}
			// The last batches shrink so that the workers end together.
			want = int(min(int64(size), max(1, (s.total-lo)/int64(2*s.jobs))))
			if s.next.CompareAndSwap(lo, lo+int64(want)) {
				break
			}
			lo = s.next.Load()
		}
		b.reset(lo, want)
		var events uint64
		for k := lo; k < lo+int64(want); k++ {
			if s.interrupt.Load() || s.halt.Load() {
				break
			}
			if err := s.runInto(w, b, k); err != nil {
				if !errors.Is(err, sim.ErrInterrupted) {
					b.err = err
				}
				break
			}
			events += w.Events()
		}
		// b belongs to the writer once sent (it may be written, freed and
		// claimed by another worker at once): read it before.
		n := len(b.recs)
		done <- b
		if n > 0 {
			per := max(events/uint64(n), 1)
			size = int(min(uint64(s.maxSize), max(1, batchEvents/per)))
		}
	}
}

// runInto executes the run at position k of the sequence (run
// shard.global(k) of the sweep, numbered point-major) and appends its rows
// and outcome to b.
func (s *sweeper) runInto(w *sim.Worker, b *batch, k int64) error {
	i := s.shard.global(k)
	point, run := int(i/int64(s.plan.Runs)), int(i%int64(s.plan.Runs))
	r, _, err := RunRow(w, s.plan, point, run)
	if err != nil {
		return fmt.Errorf("point %d run %d: %w", point, run, err)
	}
	b.recs = append(b.recs, runOutcome{point: point, run: run, out: results.Classify(r)})
	o := &b.recs[len(b.recs)-1]
	st := w.Stats()
	if s.plan.Points[point].Params.Connections.Count <= 1 {
		st.CloseTypes[o.out.CloseType] = 1
	}
	o.nums = st.Array()
	o.unborn = st.NeverStarted
	o.hitHorizon, o.hitBudget = r.HitHorizon, r.HitBudget
	r.SweepValues = s.plan.Points[point].Values
	b.rows = appendRunRow(b.rows, r, o)
	if s.plan.States {
		b.states = appendStatesRows(b.states, point, run, w.Samples())
	}
	return nil
}

// appendRunRow appends run r's line of runs.csv: the contract's columns,
// then sim.RowColumns (the extra numbers, then how each side's program
// exited).
func appendRunRow(b []byte, r *results.Run, o *runOutcome) []byte {
	b = results.AppendRunsRecord(b, r, &o.out)
	for _, v := range o.nums {
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(v), 10)
	}
	b = append(b, ',')
	b = results.AppendCSVField(b, r.Exit[results.Client])
	b = append(b, ',')
	b = results.AppendCSVField(b, r.Exit[results.Server])
	return append(b, '\n')
}
