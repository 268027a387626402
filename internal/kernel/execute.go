package kernel

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/scenarios"
)

// Columns are the runs.csv columns emu kernel writes after emu run's own
// (sim.RowColumns): the kernel release, and how late the relay delivered
// the run's packets (median and 99th percentile, ms).
var Columns = []string{"kernel", "relay_delay_error_ms", "relay_delay_error_p99_ms"}

// WarnDelayError is the relay's median lateness above which a run's timing
// is called into doubt.
const WarnDelayError = 500 * time.Microsecond

// Job is a resolved scenario to run on the kernel.
type Job struct {
	Name     string
	Seed     uint64
	Runs     int
	Keys     []string
	Points   []scenarios.Point
	Setups   []*Setup // Prepare of each point
	Scenario any      // recorded in summary.json
	Version  string
}

// Options tune Execute.
type Options struct {
	PcapDir  string                  // keep each run's capture here, when set
	Progress func(done, total int64) // called after each run
	Exe      string                  // the side helper program (default: Executable())
	OnRun    func(res *RunResult)    // called after each run, for tests
	Logf     func(string, ...any)    // debug messages, or nil
}

// Result is what Execute returns besides the files.
type Result struct {
	Summaries []results.PointSummary
	// ExtraMeans are, per point, the means of the sim.ExtraColumns, as
	// emu run's table shows them for runs of many connections.
	ExtraMeans [][]float64
	Runs       int64
	Kernel     string
	Warnings   []string
	// DelayErr is the median over all runs of the relay's per-run median
	// lateness.
	DelayErr time.Duration
}

// KernelRelease returns uname -r.
func KernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "unknown"
	}
	return unix.ByteSliceToString(u.Release[:])
}

// Execute runs every run of every point, one at a time (the relay's timing
// must not share the CPU with another run), and writes runs.csv,
// summary.csv and summary.json to dir, each whole or not at all. Every
// namespace, device and process it made is gone when it returns, also when
// ctx is cancelled.
func Execute(ctx context.Context, job *Job, dir string, opt Options) (*Result, error) {
	exe := opt.Exe
	if exe == "" {
		var err error
		if exe, err = Executable(); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if opt.PcapDir != "" {
		if err := os.MkdirAll(opt.PcapDir, 0o755); err != nil {
			return nil, err
		}
	}
	runsFile, err := results.CreateAtomic(filepath.Join(dir, "runs.csv"))
	if err != nil {
		return nil, err
	}
	committed := false
	defer func() {
		if !committed {
			_ = runsFile.Abort()
		}
	}()
	cols := append(append([]string(nil), sim.RowColumns...), Columns...)
	rw, err := results.NewRunsWriter(runsFile, job.Keys, cols...)
	if err != nil {
		return nil, err
	}
	res := &Result{Kernel: KernelRelease()}
	if stale := CleanStale(); len(stale) > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("removed %d namespaces left by an emu kernel that was killed: %v", len(stale), stale))
	}
	total := int64(len(job.Points)) * int64(job.Runs)
	var allMedians []time.Duration
	for pi, pt := range job.Points {
		acc := results.NewAccumulator(pi, pt.Values)
		sums := make([]float64, len(sim.ExtraColumns)+1)
		medians, err := runPoint(ctx, job, pi, exe, opt, func(r *RunResult) error {
			extra := rowExtra(r, res.Kernel)
			if err := rw.Write(&r.Run, &r.Outcome, extra...); err != nil {
				return err
			}
			acc.Add(&r.Outcome)
			for i := range sim.ExtraColumns {
				x, _ := strconv.ParseFloat(extra[i], 64)
				sums[i] += x
			}
			sums[len(sums)-1] += ms(r.DelayErr)
			res.Runs++
			if opt.Progress != nil {
				opt.Progress(res.Runs, total)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		s := acc.Summary()
		means := make([]float64, len(sim.ExtraColumns))
		for i, name := range sim.ExtraColumns {
			means[i] = sums[i] / float64(job.Runs)
			s.Extra = append(s.Extra, results.ExtraStat{Name: name + "_mean", Value: means[i]})
		}
		res.ExtraMeans = append(res.ExtraMeans, means)
		s.Extra = append(s.Extra, results.ExtraStat{Name: "relay_delay_error_ms_mean", Value: sums[len(sums)-1] / float64(job.Runs)})
		res.Summaries = append(res.Summaries, s)
		if m := median(medians); m > WarnDelayError {
			res.Warnings = append(res.Warnings, fmt.Sprintf("point %d: the relay delivered packets %.3f ms late (median over its runs), more than %.1f ms: its real-time results may be off (a loaded machine?)",
				pi, ms(m), ms(WarnDelayError)))
		}
		allMedians = append(allMedians, medians...)
	}
	res.DelayErr = median(allMedians)
	if err := rw.Flush(); err != nil {
		return nil, err
	}
	if err := runsFile.Commit(); err != nil {
		return nil, err
	}
	committed = true
	if err := results.WriteFileAtomic(filepath.Join(dir, "summary.csv"), func(w io.Writer) error {
		return results.WriteSummaryCSV(w, job.Keys, res.Summaries)
	}); err != nil {
		return nil, err
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, "summary.json"), func(w io.Writer) error {
		return results.WriteSummaryJSON(w, job.Version, job.Scenario, job.Keys, res.Summaries)
	}); err != nil {
		return nil, err
	}
	return res, nil
}

// runPoint runs one point's runs in its own namespaces and removes them
// afterwards whatever happened.
func runPoint(ctx context.Context, job *Job, pi int, exe string, opt Options, add func(*RunResult) error) (medians []time.Duration, err error) {
	pt := job.Points[pi]
	p, err := OpenPoint(pt.Config, job.Setups[pi], exe)
	if err != nil {
		return nil, fmt.Errorf("point %d: %w", pi, err)
	}
	defer func() {
		if cerr := p.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("point %d: cleaning up: %w", pi, cerr)
		}
	}()
	for run := range job.Runs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pcap, calls := "", ""
		if opt.PcapDir != "" {
			base := filepath.Join(opt.PcapDir, fmt.Sprintf("point-%d-run-%d", pi, run))
			pcap, calls = base+".pcap", base+".calls.csv"
		}
		r, err := p.Run(ctx, pi, run, engine.RunSeed(job.Seed, pi, run), pt.Values, pcap)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return nil, err
			}
			return nil, fmt.Errorf("point %d run %d: %w", pi, run, err)
		}
		if calls != "" {
			if err := writeCalls(calls, r); err != nil {
				return nil, err
			}
		}
		if opt.OnRun != nil {
			opt.OnRun(r)
		}
		medians = append(medians, r.DelayErr)
		if err := add(r); err != nil {
			return nil, err
		}
	}
	return medians, nil
}

// writeCalls writes every socket call of a run, both sides, with its start
// and end time (ms since the run's time 0) and its result.
func writeCalls(path string, r *RunResult) error {
	return results.WriteFileAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"side", "process", "call", "result", "start_ms", "end_ms"})
		for i, tr := range r.Traces {
			for _, e := range tr.Events {
				if e.Call == "" {
					continue
				}
				_ = cw.Write([]string{results.Side(i).String(), e.Proc, e.Call, e.Result,
					strconv.FormatFloat(float64(e.T0)/1e6, 'f', 3, 64), strconv.FormatFloat(float64(e.T1)/1e6, 'f', 3, 64)})
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

// rowExtra returns the values of sim.RowColumns and Columns for a run.
func rowExtra(r *RunResult, kernel string) []string {
	out := []string{strconv.Itoa(r.Connections), strconv.Itoa(r.Failed), strconv.Itoa(r.PeakTimeWait)}
	for _, t := range results.CloseTypes() {
		out = append(out, strconv.Itoa(r.Types[t]))
	}
	out = append(out, r.Run.Exit[results.Client], r.Run.Exit[results.Server], kernel,
		strconv.FormatFloat(ms(r.DelayErr), 'f', 3, 64), strconv.FormatFloat(ms(r.DelayP99), 'f', 3, 64))
	return out
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)/2]
}
