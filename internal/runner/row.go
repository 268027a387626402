package runner

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/internal/input"
	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
)

// Row is one run of a plan as the sweep writes it to runs.csv.
type Row struct {
	Header, Record []string
	Seed           uint64
	Outcome        results.Outcome
}

// TraceRow runs row (point, run) of the plan on w exactly as the sweep does
// and returns it as runs.csv has it: emu trace shows a row of a finished
// folder and checks it against the folder's runs.csv. A trace set on w
// records the run.
func TraceRow(w *sim.Worker, plan *Plan, point, run int) (*Row, error) {
	if point < 0 || point >= len(plan.Points) || run < 0 || run >= plan.Runs {
		return nil, fmt.Errorf("runner: no row point %d run %d", point, run)
	}
	s := &sweeper{plan: plan}
	var bt batch
	if err := s.runInto(w, &bt, int64(point)*int64(plan.Runs)+int64(run)); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	rw, err := results.NewRunsWriter(&b, plan.Keys, sim.RowColumns...)
	if err != nil {
		return nil, err
	}
	if err := rw.WriteRows(bt.rows, 1, point, run, point, run); err != nil {
		return nil, err
	}
	if err := rw.Flush(); err != nil {
		return nil, err
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(recs) != 2 {
		return nil, fmt.Errorf("runner: formatting row point %d run %d: %v", point, run, err)
	}
	return &Row{Header: recs[0], Record: recs[1], Seed: engine.RunSeed(plan.Seed, point, run), Outcome: bt.recs[0].out}, nil
}

// FindRow returns the header and the row (point, run) of dir's runs.csv,
// or ok false when the file has no such row (a shard's folder holds only
// its own rows).
func FindRow(dir string, point, run int) (header, record []string, ok bool, err error) {
	f, err := input.Open(filepath.Join(dir, "runs.csv"), input.Regular)
	if err != nil {
		return nil, nil, false, err
	}
	defer f.Close()
	rr, err := results.NewRunsReader(input.Lines(f, input.MaxLineBytes))
	if err != nil {
		return nil, nil, false, fmt.Errorf("%s: %w", filepath.Join(dir, "runs.csv"), err)
	}
	for {
		row, err := rr.Read()
		if errors.Is(err, io.EOF) {
			return rr.Header(), nil, false, nil
		}
		if err != nil {
			return nil, nil, false, fmt.Errorf("%s: %w", filepath.Join(dir, "runs.csv"), err)
		}
		if row.Point == point && row.Run == run {
			return rr.Header(), row.Record, true, nil
		}
		if row.Point > point {
			// Rows are in (point, run) order.
			return rr.Header(), nil, false, nil
		}
	}
}
