package runner

import (
	"github.com/emu-sim/emu/scenarios"
)

// resolvedScenario is what summary.json records of the scenario: each
// point's configuration with every default filled in.
type resolvedScenario struct {
	Name      string       `json:"name"`
	Seed      uint64       `json:"seed"`
	Runs      int          `json:"runs"`
	SweepKeys []string     `json:"sweep_keys"`
	Points    []resolvedPt `json:"points"`
}

type resolvedPt struct {
	Point  int                  `json:"point"`
	Values []string             `json:"sweep_values"`
	Config *scenarios.RunConfig `json:"config"`
}

// NewPlan turns a scenario's resolved sweep points into a plan. runs and
// seed, when set (runs > 0, seedSet), replace the scenario's.
func NewPlan(points []scenarios.Point, version string, runs int, seed uint64, seedSet bool) *Plan {
	first := points[0].Config
	plan := &Plan{Name: first.Name, Seed: first.Seed, Runs: first.Runs, Keys: points[0].Keys, Version: version}
	if runs > 0 {
		plan.Runs = runs
	}
	if seedSet {
		plan.Seed = seed
	}
	rs := resolvedScenario{Name: plan.Name, Seed: plan.Seed, Runs: plan.Runs, SweepKeys: plan.Keys}
	if rs.SweepKeys == nil {
		rs.SweepKeys = []string{}
	}
	for _, p := range points {
		c := p.Config
		// Each point's configuration records what ran: the seed and runs
		// --seed and --runs chose, not the file's.
		c.Seed, c.Runs = plan.Seed, plan.Runs
		plan.Points = append(plan.Points, Point{Values: p.Values, Params: c})
		rs.Points = append(rs.Points, resolvedPt{Point: p.Index, Values: p.Values, Config: c})
		if c.Connections.Count > 1 {
			plan.States = true
		}
	}
	plan.Scenario = rs
	return plan
}
