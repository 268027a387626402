package runner

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/emu-sim/emu/internal/input"
	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
)

// PartialDir is the folder, inside an output folder, where an interrupted
// run keeps the runs it finished until it is resumed. The output files
// themselves appear only when a run is complete.
const PartialDir = ".emu-partial"

// maxStateBytes bounds state.json: it holds the scenario's text (at most
// input.MaxScenarioBytes, escaped as JSON) and a few numbers.
const maxStateBytes = 8 * input.MaxScenarioBytes

// checkpoint is PartialDir/state.json.
type checkpoint struct {
	Fingerprint string          `json:"fingerprint"`
	Done        int64           `json:"done"`
	Total       int64           `json:"total"`
	Source      json.RawMessage `json:"source,omitempty"`
}

// ShardFile is written beside a shard's outputs so that merge can check it
// has every shard of the same sweep.
const ShardFile = "shard.json"

type shardInfo struct {
	Index       int    `json:"index"`
	Count       int    `json:"count"`
	Fingerprint string `json:"fingerprint"`
	Runs        int64  `json:"runs"`       // runs in this shard
	SweepRuns   int64  `json:"sweep_runs"` // runs in the whole sweep
	PerPoint    int    `json:"runs_per_point"`
	Seed        uint64 `json:"seed"`
}

// Interrupted is returned by Execute when its context was cancelled: the
// runs done so far are kept in the folder's checkpoint.
type Interrupted struct {
	Dir         string
	Done, Total int64
}

// Error says how far the run got and where its finished runs are kept.
func (e *Interrupted) Error() string {
	return fmt.Sprintf("interrupted after %d of %d runs; they are kept in %s", e.Done, e.Total, filepath.Join(e.Dir, PartialDir))
}

// Fingerprint identifies what a plan computes (not how fast): runs resumed
// or merged must come from the same fingerprint.
func Fingerprint(plan *Plan) string {
	h := sha256.New()
	sc := plan.Origin
	if sc == nil {
		sc, _ = json.Marshal(plan.Scenario)
	}
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00%q\x00%d\x00%s\x00%s", plan.Name, plan.Seed, plan.Runs, plan.Keys, len(plan.Points), plan.Version, sc)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// ReadSource returns the Source stored with the checkpoint in dir.
func ReadSource(dir string) ([]byte, error) {
	cp, err := readCheckpoint(dir)
	if err != nil {
		return nil, err
	}
	return cp.Source, nil
}

func readCheckpoint(dir string) (*checkpoint, error) {
	b, err := input.ReadFile(filepath.Join(dir, PartialDir, "state.json"), input.Regular, maxStateBytes)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s has no interrupted run to resume (no %s)", dir, filepath.Join(PartialDir, "state.json"))
		}
		return nil, err
	}
	var cp checkpoint
	if err := json.Unmarshal(b, &cp); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, PartialDir, "state.json"), err)
	}
	return &cp, nil
}

// Execute runs the plan and writes runs.csv, summary.csv and summary.json to
// dir, each whole or not at all (and shard.json for a shard). If ctx is
// cancelled, the runs finished so far are kept in dir/PartialDir, no output
// file is written, and an *Interrupted error says so; Execute with
// Options.Resume later completes the run, and its files are byte-identical
// to those of an uninterrupted run.
func Execute(ctx context.Context, plan *Plan, dir string, opt Options) (*Result, error) {
	if err := os.MkdirAll(filepath.Join(dir, PartialDir), 0o755); err != nil {
		return nil, fmt.Errorf("output folder %s: %w: %w", dir, results.ErrUnusablePath, err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer lock.unlock()
	fp := Fingerprint(plan)
	sweepRuns, err := TotalRuns(len(plan.Points), plan.Runs)
	if err != nil {
		return nil, err
	}
	total := opt.Shard.size(sweepRuns)
	partial := filepath.Join(dir, PartialDir, "runs.csv")
	tmp, err := results.CreateAtomic(partial)
	if err != nil {
		return nil, err
	}
	defer tmp.Abort()
	buf := bufio.NewWriterSize(tmp, 1<<16)
	st, err := newSweepState(plan, buf)
	if err != nil {
		return nil, err
	}
	var statesTmp *results.AtomicFile
	var statesBuf *bufio.Writer
	statesPartial := filepath.Join(dir, PartialDir, StatesFile)
	if plan.States {
		if statesTmp, err = results.CreateAtomic(statesPartial); err != nil {
			return nil, err
		}
		defer statesTmp.Abort()
		statesBuf = bufio.NewWriterSize(statesTmp, 1<<16)
		st.sw = statesBuf
		if _, err := st.sw.Write(results.AppendCSVRecord(nil, statesHeader()...)); err != nil {
			return nil, fmt.Errorf("states.csv: %w", err)
		}
	}
	if opt.Resume {
		if err := restore(ctx, dir, fp, opt.Shard, total, int64(plan.Runs), st); err != nil {
			if ctx.Err() != nil {
				// The checkpoint is untouched: the next --resume starts over.
				cp, _ := readCheckpoint(dir)
				done := int64(0)
				if cp != nil {
					done = cp.Done
				}
				return nil, &Interrupted{Dir: dir, Done: done, Total: total}
			}
			return nil, err
		}
	}
	st.res.Resumed = st.done
	runErr := run(ctx, plan, st, opt)
	if err := st.rw.Flush(); err != nil {
		return nil, err
	}
	if err := buf.Flush(); err != nil {
		return nil, fmt.Errorf("runs.csv: %w", err)
	}
	if st.sw != nil {
		if err := statesBuf.Flush(); err != nil {
			return nil, fmt.Errorf("states.csv: %w", err)
		}
	}
	commitStates := func() error {
		if statesTmp == nil {
			return nil
		}
		return statesTmp.Commit()
	}
	if runErr != nil {
		if ctx.Err() == nil {
			return nil, runErr
		}
		// Keep what is finished: the rows written so far, and the state.
		if err := tmp.Commit(); err != nil {
			return nil, err
		}
		if err := commitStates(); err != nil {
			return nil, err
		}
		cp := checkpoint{Fingerprint: fp, Done: st.done, Total: total, Source: opt.Source}
		if err := writeJSON(filepath.Join(dir, PartialDir, "state.json"), cp); err != nil {
			return nil, err
		}
		return nil, &Interrupted{Dir: dir, Done: st.done, Total: total}
	}
	// Every file is written whole in PartialDir, then published as a set.
	if err := tmp.Commit(); err != nil {
		return nil, err
	}
	if err := commitStates(); err != nil {
		return nil, err
	}
	files := []string{"runs.csv"}
	if statesTmp != nil {
		files = append(files, StatesFile)
	}
	st.res.Runs = st.done
	st.res.Summaries = st.summaries()
	st.res.ExtraMeans = st.extraMeans()
	staging := filepath.Join(dir, PartialDir)
	if err := writeSummaries(ctx, staging, plan.Version, plan.Scenario, plan.Keys, st.res.Summaries); err != nil {
		if ctx.Err() == nil {
			return nil, err
		}
		// Every run is done and kept; --resume writes the summaries.
		cp := checkpoint{Fingerprint: fp, Done: st.done, Total: total, Source: opt.Source}
		if err := writeJSON(filepath.Join(dir, PartialDir, "state.json"), cp); err != nil {
			return nil, err
		}
		return nil, &Interrupted{Dir: dir, Done: st.done, Total: total}
	}
	files = append(files, "summary.csv", "summary.json")
	if opt.Shard.Sharded() {
		info := shardInfo{Index: opt.Shard.Index, Count: opt.Shard.Count, Fingerprint: fp, Runs: total,
			SweepRuns: sweepRuns, PerPoint: plan.Runs, Seed: plan.Seed}
		if err := writeJSON(filepath.Join(staging, ShardFile), info); err != nil {
			return nil, err
		}
		files = append(files, ShardFile)
	}
	if files, err = stageFiles(staging, opt.Files, files); err != nil {
		return nil, err
	}
	if err := publish(dir, fp, files); err != nil {
		return nil, fmt.Errorf("publishing the outputs in %s: %w", dir, err)
	}
	return &st.res, nil
}

// restore reads the checkpoint of an interrupted run back into st: the rows
// are copied to the new partial file unchanged (a torn last line from a
// killed process is dropped) and the statistics rebuilt from them.
func restore(ctx context.Context, dir, fp string, shard Shard, total, perPoint int64, st *sweepState) error {
	cp, err := readCheckpoint(dir)
	if err != nil {
		return err
	}
	if cp.Fingerprint != fp || cp.Total != total {
		return errors.New("the scenario, seed, runs or emu version differ from those of the interrupted run; start over without --resume")
	}
	f, err := input.Open(filepath.Join(dir, PartialDir, "runs.csv"), input.Regular)
	if err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	defer f.Close()
	rr, err := results.NewRunsReader(input.Lines(f, input.MaxLineBytes))
	if err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	var sr *statesReader
	if st.sw != nil {
		sf, err := input.Open(filepath.Join(dir, PartialDir, StatesFile), input.Regular)
		if err != nil {
			return fmt.Errorf("resume: %w", err)
		}
		defer sf.Close()
		if sr, err = newStatesReader(input.Lines(sf, input.MaxLineBytes)); err != nil {
			return fmt.Errorf("resume: %w", err)
		}
	}
	for st.done < cp.Done {
		if st.done%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		row, err := rr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("resume: %w", err)
		}
		want := shard.global(st.done)
		if int64(row.Point)*perPoint+int64(row.Run) != want {
			return fmt.Errorf("resume: row %d is point %d run %d, not run %d of the sweep", st.done+1, row.Point, row.Run, want)
		}
		r := results.Run{Point: row.Point, Run: row.Run, Seed: row.Seed, SweepValues: row.Values}
		extra := row.Record[len(row.Record)-len(sim.RowColumns):]
		nums, err := extraNumbers(extra)
		if err != nil {
			return fmt.Errorf("resume: row %d: %w", st.done+1, err)
		}
		var states [][]string
		if sr != nil {
			if states, err = sr.run(row.Point, row.Run); err != nil {
				return fmt.Errorf("resume: %w", err)
			}
		}
		if err := st.add(&r, &row.Outcome, extra, nums, states); err != nil {
			return fmt.Errorf("resume: %w", err)
		}
	}
	return nil
}

func writeSummaries(ctx context.Context, dir, version string, scenario any, keys []string, points []results.PointSummary) error {
	if err := results.WriteFileAtomic(filepath.Join(dir, "summary.csv"), func(w io.Writer) error {
		return results.WriteSummaryCSV(w, keys, points)
	}); err != nil {
		return err
	}
	return results.WriteFileAtomic(filepath.Join(dir, "summary.json"), func(w io.Writer) error {
		return results.WriteSummaryJSONContext(ctx, w, version, scenario, keys, points)
	})
}

func writeJSON(path string, v any) error {
	return results.WriteFileAtomic(path, func(w io.Writer) error {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	})
}

// ParseShard reads "I/N" (0 <= I < N); "auto/N" takes I from the
// JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) or SLURM_ARRAY_TASK_ID
// environment variable, found with getenv.
func ParseShard(s string, getenv func(string) string) (Shard, error) {
	var is, ns string
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			is, ns = s[:i], s[i+1:]
		}
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 {
		return Shard{}, fmt.Errorf("--shard %q: write I/N with N >= 1, e.g. 0/4, or auto/N", s)
	}
	if is == "auto" {
		for _, v := range []string{"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"} {
			if x := getenv(v); x != "" {
				is = x
				break
			}
		}
		if is == "auto" {
			return Shard{}, fmt.Errorf("--shard auto/%d: neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID is set", n)
		}
	}
	i, err := strconv.Atoi(is)
	if err != nil || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("--shard %q: the index must be a whole number from 0 to %d", s, n-1)
	}
	return Shard{Index: i, Count: n}, nil
}

// extraNumbers reads back the numeric extra columns of a runs.csv row (the
// first len(sim.ExtraColumns) of the columns after the contract's).
func extraNumbers(extra []string) ([]int, error) {
	nums := make([]int, len(sim.ExtraColumns))
	for i := range nums {
		n, err := strconv.Atoi(extra[i])
		if err != nil {
			return nil, fmt.Errorf("column %s: %q is not a whole number", sim.ExtraColumns[i], extra[i])
		}
		nums[i] = n
	}
	return nums, nil
}
