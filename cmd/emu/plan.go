package main

import (
	"strings"

	"github.com/emu-sim/emu/internal/runner"
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
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, badInput("--set %q: write key=value, e.g. --set link.loss=0.01", kv)
		}
		if err := s.Set(k, v); err != nil {
			return nil, badInput("--set %s: %v", k, err)
		}
	}
	points, err := s.Points()
	if err != nil {
		return nil, &inputError{msg: err.Error()}
	}
	if len(points) == 0 {
		return nil, badInput("%s: the sweep has no points", name)
	}
	return runner.NewPlan(points, versionString(), ov.runs, ov.seed, ov.seedSet), nil
}
