package main

import (
	"strings"

	"github.com/emu-sim/emu/internal/runner"
	"github.com/emu-sim/emu/internal/sim"
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
	first := points[0].Config
	plan := &runner.Plan{
		Name:    first.Name,
		Seed:    first.Seed,
		Runs:    first.Runs,
		Keys:    points[0].Keys,
		Version: versionString(),
	}
	if ov.runs > 0 {
		plan.Runs = ov.runs
	}
	if ov.seedSet {
		plan.Seed = ov.seed
	}
	var resolved []any
	for _, p := range points {
		c := p.Config
		plan.Points = append(plan.Points, runner.Point{
			Values: p.Values,
			Params: &sim.Params{
				Link:      c.Link,
				Client:    sim.Endpoint{TCP: c.Client.TCP, Do: c.Client.Do},
				Server:    sim.Endpoint{TCP: c.Server.TCP, Do: c.Server.Do},
				StopAfter: c.StopAfter,
				MaxEvents: c.MaxEvents,
			},
		})
		resolved = append(resolved, c)
	}
	plan.Scenario = map[string]any{"name": plan.Name, "seed": plan.Seed, "runs": plan.Runs, "points": resolved}
	return plan, nil
}
