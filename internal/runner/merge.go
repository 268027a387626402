package runner

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/internal/input"
	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
)

// maxSummaryJSONBytes bounds the summary.json merge reads its head from:
// the largest sweep's is about 500 MB.
const maxSummaryJSONBytes = 2 << 30

// summaryHead is the part of a shard's summary.json that merge carries over.
type summaryHead struct {
	Version  string          `json:"emu_version"`
	Scenario json.RawMessage `json:"scenario"`
	Keys     []string        `json:"sweep_keys"`
}

// Merge combines the output folders of every shard of one sweep into out:
// runs.csv with all rows in (point, run) order, and summaries recomputed
// from them. The files equal those of the unsharded run byte for byte.
// Memory does not grow with the number of runs: the shards' rows are merged
// as streams. extra are published with the merged files (the record of
// the merge, the scenario as given).
func Merge(out string, shardDirs []string, extra ...File) (int64, error) {
	if len(shardDirs) == 0 {
		return 0, errors.New("merge: name the shard folders")
	}
	infos := make([]shardInfo, len(shardDirs))
	outInfo, outErr := os.Stat(out)
	for i, d := range shardDirs {
		if di, err := os.Stat(d); err == nil && outErr == nil && os.SameFile(di, outInfo) {
			return 0, fmt.Errorf("merge: --out %s is one of the shards: merge into another folder", out)
		}
		if _, err := os.Stat(filepath.Join(d, ShardFile)); err == nil && !IsComplete(d) {
			return 0, fmt.Errorf("merge: %s is not a finished shard (no %s: its run was interrupted while publishing, or is still writing)", d, CompleteFile)
		}
		b, err := input.ReadFile(filepath.Join(d, ShardFile), input.Regular, 1<<20)
		if err != nil {
			return 0, fmt.Errorf("merge: %s is not the output of a sharded run (%w)", d, err)
		}
		if err := json.Unmarshal(b, &infos[i]); err != nil {
			return 0, fmt.Errorf("merge: %s: %w", filepath.Join(d, ShardFile), err)
		}
	}
	order := make([]int, len(infos))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return infos[order[a]].Index < infos[order[b]].Index })
	n := infos[0].Count
	if len(infos) != n {
		return 0, fmt.Errorf("merge: the sweep was split into %d shards, %d given", n, len(infos))
	}
	for k, i := range order {
		in := infos[i]
		if in.Count != n || in.Fingerprint != infos[0].Fingerprint || in.SweepRuns != infos[0].SweepRuns || in.PerPoint != infos[0].PerPoint || in.Seed != infos[0].Seed {
			return 0, fmt.Errorf("merge: %s belongs to another sweep (or another split) than %s", shardDirs[i], shardDirs[order[0]])
		}
		if in.Index != k {
			return 0, fmt.Errorf("merge: shard %d/%d is missing or given twice", k, n)
		}
	}
	var head summaryHead
	sj, err := input.Open(filepath.Join(shardDirs[order[0]], "summary.json"), input.Regular)
	if err != nil {
		return 0, fmt.Errorf("merge: %w", err)
	}
	defer sj.Close()
	if err := json.NewDecoder(io.LimitReader(sj, maxSummaryJSONBytes)).Decode(&head); err != nil {
		return 0, fmt.Errorf("merge: %s: %w", filepath.Join(shardDirs[order[0]], "summary.json"), err)
	}
	// Each row must be the run its place says: run i of the sweep is point
	// i / runs, run i mod runs, with the seed derived from those.
	perPoint, seed := int64(infos[0].PerPoint), infos[0].Seed
	if perPoint < 1 {
		return 0, fmt.Errorf("merge: %s has no runs_per_point (written by an older emu): run the shards again", filepath.Join(shardDirs[order[0]], ShardFile))
	}

	readers := make([]*results.RunsReader, n)
	for k, i := range order {
		f, err := input.Open(filepath.Join(shardDirs[i], "runs.csv"), input.Regular)
		if err != nil {
			return 0, fmt.Errorf("merge: %w", err)
		}
		defer f.Close()
		if readers[k], err = results.NewRunsReader(input.Lines(f, input.MaxLineBytes)); err != nil {
			return 0, fmt.Errorf("merge: %s: %w", shardDirs[i], err)
		}
	}
	if err := os.MkdirAll(filepath.Join(out, PartialDir), 0o755); err != nil {
		return 0, fmt.Errorf("merge: %w: %w", results.ErrUnusablePath, err)
	}
	lock, err := lockDir(out)
	if err != nil {
		return 0, fmt.Errorf("merge: %w", err)
	}
	defer lock.unlock()
	// states.csv, when the sweep recorded it, is merged run by run too.
	var states []*statesReader
	var sw *csv.Writer
	var statesBuf *bufio.Writer
	var statesDst *results.AtomicFile
	if _, err := os.Stat(filepath.Join(shardDirs[order[0]], StatesFile)); err == nil {
		states = make([]*statesReader, n)
		for k, i := range order {
			f, err := input.Open(filepath.Join(shardDirs[i], StatesFile), input.Regular)
			if err != nil {
				return 0, fmt.Errorf("merge: %w", err)
			}
			defer f.Close()
			if states[k], err = newStatesReader(input.Lines(f, input.MaxLineBytes)); err != nil {
				return 0, fmt.Errorf("merge: %s: %w", shardDirs[i], err)
			}
		}
		if statesDst, err = results.CreateAtomic(filepath.Join(out, PartialDir, StatesFile)); err != nil {
			return 0, err
		}
		defer statesDst.Abort()
		statesBuf = bufio.NewWriterSize(statesDst, 1<<16)
		sw = csv.NewWriter(statesBuf)
		if err := sw.Write(statesHeader()); err != nil {
			return 0, err
		}
	}
	dst, err := results.CreateAtomic(filepath.Join(out, PartialDir, "runs.csv"))
	if err != nil {
		return 0, err
	}
	defer dst.Abort()
	buf := bufio.NewWriterSize(dst, 1<<16)
	cw := csv.NewWriter(buf)
	if err := cw.Write(readers[0].Header()); err != nil {
		return 0, err
	}
	var acc []*results.Accumulator
	var sums [][]float64
	var counts []int
	nx := len(sim.ExtraColumns)
	// Run i of the sweep is in shard i mod n, so the merged order takes one
	// row from each shard in turn.
	var rows int64
	for rows = 0; rows < infos[0].SweepRuns; rows++ {
		r := readers[rows%int64(n)]
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("merge: shard %d ends early: it has fewer runs than its shard.json says", rows%int64(n))
		}
		if err != nil {
			return 0, fmt.Errorf("merge: shard %d: %w", rows%int64(n), err)
		}
		wantPoint, wantRun := int(rows/perPoint), int(rows%perPoint)
		if row.Point != wantPoint || row.Run != wantRun || row.Seed != engine.RunSeed(seed, wantPoint, wantRun) {
			return 0, fmt.Errorf("merge: shard %d: a row for point %d run %d (seed %d) where point %d run %d belongs: the shard's runs.csv was changed or mixed", rows%int64(n), row.Point, row.Run, row.Seed, wantPoint, wantRun)
		}
		for len(acc) <= row.Point {
			acc = append(acc, nil)
			sums = append(sums, make([]float64, nx))
			counts = append(counts, 0)
		}
		first := len(row.Record) - len(sim.RowColumns)
		nums, err := extraNumbers(row.Record[first : first+nx])
		if err != nil {
			return 0, fmt.Errorf("merge: shard %d: %w", rows%int64(n), err)
		}
		for i, v := range nums {
			sums[row.Point][i] += float64(v)
		}
		counts[row.Point]++
		if acc[row.Point] == nil {
			acc[row.Point] = results.NewAccumulator(row.Point, append([]string(nil), row.Values...))
		}
		acc[row.Point].Add(&row.Outcome)
		if err := cw.Write(row.Record); err != nil {
			return 0, err
		}
		if states != nil {
			rs, err := states[rows%int64(n)].run(row.Point, row.Run)
			if err != nil {
				return 0, fmt.Errorf("merge: shard %d: %w", rows%int64(n), err)
			}
			if err := sw.WriteAll(rs); err != nil {
				return 0, err
			}
		}
	}
	for k, r := range readers {
		if _, err := r.Read(); !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("merge: shard %d has more rows than its shard.json says", k)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return 0, err
	}
	if err := buf.Flush(); err != nil {
		return 0, err
	}
	if err := dst.Commit(); err != nil {
		return 0, err
	}
	if sw != nil {
		sw.Flush()
		if err := sw.Error(); err != nil {
			return 0, err
		}
		if err := statesBuf.Flush(); err != nil {
			return 0, err
		}
		if err := statesDst.Commit(); err != nil {
			return 0, err
		}
	}
	points := make([]results.PointSummary, 0, len(acc))
	for p, a := range acc {
		if a == nil {
			return 0, fmt.Errorf("merge: no runs of point %d", p)
		}
		means := make([]float64, nx)
		for i := range means {
			means[i] = sums[p][i] / float64(counts[p])
		}
		points = append(points, withExtra(a.Summary(), means))
	}
	staging := filepath.Join(out, PartialDir)
	if err := writeSummaries(context.Background(), staging, head.Version, head.Scenario, readers[0].Keys(), points); err != nil {
		return 0, err
	}
	files := []string{"runs.csv"}
	if sw != nil {
		files = append(files, StatesFile)
	}
	files = append(files, "summary.csv", "summary.json")
	if files, err = stageFiles(staging, extra, files); err != nil {
		return 0, err
	}
	if err := publish(out, infos[0].Fingerprint, files); err != nil {
		return 0, fmt.Errorf("merge: publishing the outputs in %s: %w", out, err)
	}
	return rows, nil
}
