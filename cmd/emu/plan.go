package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/emu-sim/emu/internal/input"
	"github.com/emu-sim/emu/internal/runner"
	"github.com/emu-sim/emu/scenarios"
)

// overrides are command-line values that replace the scenario's.
type overrides struct {
	runs    int
	seed    uint64
	seedSet bool
}

// loadPlan loads a scenario, applies --set, --runs and --seed, expands the
// sweep and returns what the runner needs.
func loadPlan(e *env, name string, sets []string, ov overrides) (*runner.Plan, error) {
	s, err := loadScenario(e, name)
	if err != nil {
		return nil, err
	}
	return planFromScenario(context.Background(), s, name, sets, ov)
}

func planFromScenario(ctx context.Context, s *scenarios.Scenario, name string, sets []string, ov overrides) (*runner.Plan, error) {
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, badInput("--set %q: write key=value, e.g. --set link.loss=0.01", kv)
		}
		if err := s.Set(k, v); err != nil {
			return nil, badInput("--set %s: %v", k, err)
		}
	}
	if ov.runs < 0 || ov.runs > scenarios.MaxRuns {
		return nil, badInput("runs %d is out of range (1 to %d)", ov.runs, scenarios.MaxRuns)
	}
	points, err := s.PointsContext(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, errPreparing
		}
		return nil, &inputError{msg: err.Error()}
	}
	if len(points) == 0 {
		return nil, badInput("%s: the sweep has no points", name)
	}
	return runner.NewPlan(points, versionString(), ov.runs, ov.seed, ov.seedSet), nil
}

// errPreparing is a Ctrl-C (or SIGTERM) while the sweep was being resolved,
// before any run: nothing to keep.
var errPreparing = &exitError{code: 130, msg: "emu run: interrupted while preparing the sweep; nothing was run or written"}

// runSource is what a run was started from; it is stored with the
// checkpoint of an interrupted run so that 'emu run --resume DIR' needs
// nothing else.
type runSource struct {
	File    string   `json:"file"`
	Content string   `json:"content"`
	Sets    []string `json:"sets,omitempty"`
	Runs    int      `json:"runs,omitempty"`
	Seed    uint64   `json:"seed,omitempty"`
	SeedSet bool     `json:"seed_set,omitempty"`
	Shard   string   `json:"shard,omitempty"`
	// Argv is the command line that started the run, for its folder's
	// run.json after a resume; it is not part of the run's fingerprint.
	Argv []string `json:"argv,omitempty"`
}

// readScenario returns the text of a scenario file, standard input ("-")
// or built-in example, and the name to use in error positions.
func readScenario(e *env, name string) ([]byte, string, error) {
	if name == "-" {
		// One byte past the limit: Load reports the size.
		b, err := io.ReadAll(io.LimitReader(e.stdin, input.MaxScenarioBytes+1))
		if err != nil {
			return nil, "", fmt.Errorf("reading standard input: %w", err)
		}
		return b, "-", nil
	}
	// A file of that name wins; otherwise (no such file, or a folder such
	// as a previous run's output) a built-in example of that name.
	if fi, statErr := os.Stat(name); statErr != nil || fi.IsDir() {
		if b, ok := scenarios.Builtin(name); ok {
			return b, name, nil
		}
		if statErr == nil {
			return nil, "", badInput("%s:1:1: a folder, not a scenario file (and no built-in example of that name; see 'emu list')", name)
		}
		return nil, "", badInput("%s: no such file, and no built-in example of that name (see 'emu list')", name)
	}
	// One byte past the limit: Load reports the size at 1:1.
	b, err := input.ReadPrefix(name, input.Stream, input.MaxScenarioBytes+1)
	if errors.Is(err, input.ErrNotRegular) {
		return nil, "", badInput("%s:1:1: not a scenario file: %v", name, errors.Unwrap(err))
	}
	if err != nil {
		return nil, "", badInput("%s:1:1: %v", name, err)
	}
	return b, name, nil
}

// planFromSource loads the scenario text, applies --set, --runs and --seed,
// and expands the sweep.
func planFromSource(ctx context.Context, src *runSource) (*runner.Plan, error) {
	s, err := scenarios.Load(src.File, []byte(src.Content))
	if err != nil {
		return nil, &inputError{msg: err.Error()}
	}
	return planFromScenario(ctx, s, src.File, src.Sets, overrides{runs: src.Runs, seed: src.Seed, seedSet: src.SeedSet})
}
