package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/emu-sim/emu/internal/runner"
	"github.com/emu-sim/emu/scenarios"
)

// runRecord is an output folder's run.json: how the folder was made, so
// that its rows can be reproduced from the folder alone (with
// scenario.yaml, the scenario as given). The effective seed and runs are
// also in summary.json's resolved scenario; the record adds what the
// command line said.
type runRecord struct {
	// Argv is the command line, "emu" first. For a resumed run it is the
	// command that started the run; ResumedBy is the one that finished it.
	Argv       []string `json:"argv"`
	ResumedBy  []string `json:"resumed_by,omitempty"`
	EmuVersion string   `json:"emu_version"`
	Commit     string   `json:"commit"`
	GoVersion  string   `json:"go_version"`
	// Scenario is the scenario as named on the command line: a file, a
	// built-in example or "-" (standard input).
	Scenario string   `json:"scenario"`
	Sets     []string `json:"sets"`
	// Overrides are --runs and --seed when the command line gave them.
	Overrides recordOverrides `json:"overrides"`
	Seed      uint64          `json:"seed"`
	Runs      int             `json:"runs_per_point"`
	Points    int             `json:"points"`
	Shard     string          `json:"shard,omitempty"`
	// MergedFrom lists, for a folder written by emu merge, the shards it
	// joined, in shard order, each with its own command line and emu.
	MergedFrom []mergedShard `json:"merged_from,omitempty"`
}

type recordOverrides struct {
	Runs *int    `json:"runs,omitempty"`
	Seed *uint64 `json:"seed,omitempty"`
}

type mergedShard struct {
	Dir        string   `json:"dir"`
	Argv       []string `json:"argv"`
	EmuVersion string   `json:"emu_version"`
	Commit     string   `json:"commit"`
}

// newRecord is the record of a run of plan from src; argv is the command
// line that started it.
func newRecord(argv []string, src *runSource, plan *runner.Plan) runRecord {
	r := runRecord{Argv: argv, EmuVersion: versionString(), Commit: commit(), GoVersion: runtime.Version(),
		Scenario: src.File, Sets: src.Sets, Seed: plan.Seed, Runs: plan.Runs, Points: len(plan.Points), Shard: src.Shard}
	if r.Sets == nil {
		r.Sets = []string{}
	}
	if src.Runs > 0 {
		n := src.Runs
		r.Overrides.Runs = &n
	}
	if src.SeedSet {
		s := src.Seed
		r.Overrides.Seed = &s
	}
	return r
}

// source is what the record and the scenario's text say the run was made
// from: planFromSource of it gives the folder's plan.
func (r *runRecord) source(content []byte) runSource {
	src := runSource{File: r.Scenario, Content: string(content), Sets: r.Sets}
	if len(src.Sets) == 0 {
		src.Sets = nil
	}
	if r.Overrides.Runs != nil {
		src.Runs = *r.Overrides.Runs
	}
	if r.Overrides.Seed != nil {
		src.Seed, src.SeedSet = *r.Overrides.Seed, true
	}
	return src
}

// recordFiles are the files a run publishes beside its data: the scenario
// as given and as resolved (nil: none), and run.json.
func recordFiles(rec runRecord, content string, resolved []byte) ([]runner.File, error) {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("run.json: %w", err)
	}
	files := []runner.File{{Name: runner.ScenarioFile, Data: []byte(content)}}
	if resolved != nil {
		files = append(files, runner.File{Name: runner.ResolvedFile, Data: resolved})
	}
	return append(files, runner.File{Name: runner.RecordFile, Data: append(b, '\n')}), nil
}

// resolvedScenario writes the scenario of src after its --set, --runs and
// --seed, as one file that repeats the run's rows by itself.
func resolvedScenario(src *runSource) ([]byte, error) {
	s, err := scenarios.Load(src.File, []byte(src.Content))
	if err != nil {
		return nil, &inputError{msg: err.Error()}
	}
	sets := append([]string(nil), src.Sets...)
	if src.Runs > 0 {
		sets = append(sets, "runs="+strconv.Itoa(src.Runs))
	}
	if src.SeedSet {
		sets = append(sets, "seed="+strconv.FormatUint(src.Seed, 10))
	}
	for _, kv := range sets {
		k, v, _ := strings.Cut(kv, "=")
		if err := s.Set(k, v); err != nil {
			return nil, badInput("--set %s: %v", k, err)
		}
	}
	return s.Resolved()
}

// readRecord reads a finished folder's run.json and scenario.yaml.
func readRecord(dir string) (*runRecord, []byte, error) {
	b, err := runner.ReadRecord(dir, runner.RecordFile)
	if err != nil {
		return nil, nil, err
	}
	var rec runRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, nil, fmt.Errorf("%s/%s: %w", dir, runner.RecordFile, err)
	}
	content, err := runner.ReadRecord(dir, runner.ScenarioFile)
	if err != nil {
		return nil, nil, err
	}
	return &rec, content, nil
}

// mergedRecord is the record of emu merge: the shards' scenario and
// settings (the same in every shard: merge checks their fingerprints),
// without a shard, this emu and command line, and each shard's own. Shards
// written by an emu that kept no record give none.
func mergedRecord(argv []string, shardDirs []string) ([]runner.File, error) {
	type shard struct {
		index    int
		dir      string
		rec      *runRecord
		text     []byte
		resolved []byte
	}
	var shards []shard
	for _, d := range shardDirs {
		rec, text, err := readRecord(d)
		if err != nil {
			return nil, nil
		}
		var i, n int
		if _, err := fmt.Sscanf(rec.Shard, "%d/%d", &i, &n); err != nil {
			// auto/N: the index the shard's own shard.json recorded.
			i = shardIndex(d)
		}
		// A shard of an emu that wrote no resolved scenario gives none.
		resolved, _ := runner.ReadRecord(d, runner.ResolvedFile)
		shards = append(shards, shard{index: i, dir: d, rec: rec, text: text, resolved: resolved})
	}
	if len(shards) == 0 {
		return nil, nil
	}
	slices.SortStableFunc(shards, func(a, b shard) int { return a.index - b.index })
	rec := *shards[0].rec
	rec.Argv, rec.ResumedBy, rec.Shard = argv, nil, ""
	rec.EmuVersion, rec.Commit, rec.GoVersion = versionString(), commit(), runtime.Version()
	for _, s := range shards {
		rec.MergedFrom = append(rec.MergedFrom, mergedShard{Dir: s.dir, Argv: s.rec.Argv, EmuVersion: s.rec.EmuVersion, Commit: s.rec.Commit})
	}
	return recordFiles(rec, string(shards[0].text), shards[0].resolved)
}

// shardIndex reads the index of a shard from its shard.json (-1 if it
// cannot).
func shardIndex(dir string) int {
	b, err := runner.ReadRecord(dir, runner.ShardFile)
	if err != nil {
		return -1
	}
	var s struct {
		Index int `json:"index"`
	}
	if json.Unmarshal(b, &s) != nil {
		return -1
	}
	return s.Index
}
