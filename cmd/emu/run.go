package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/emu-sim/emu/internal/runner"
)

var runCmd = &command{
	name:    "run",
	args:    "FILE.yaml|NAME [--out DIR] [--runs N] [--seed S] [--jobs J] [--set key=value]... [--quiet]",
	summary: "run every sweep point of a scenario and write runs.csv, summary.csv, summary.json",
	help: `Runs every sweep point 'runs' times, shows progress on a terminal, prints the
fraction of each close type per point, and writes DIR (default out/<name>/):
  runs.csv      one row per run (close type, teardown time, TIME_WAIT, errors, bytes)
  summary.csv   one row per sweep point (counts, fractions, 95% Wilson intervals)
  summary.json  the same, plus the scenario as resolved and emu's version
The same scenario and seed give byte-identical files whatever --jobs is.

Examples:
  emu run delayed-ack-boundary
  emu run mine.yaml --runs 1000 --jobs 8 --out results/mine
  emu run lossy-teardown --set link.delay=50ms --seed 7
`,
}

func init() {
	runCmd.run = func(e *env, args []string) error {
		fs := newFlags(e, runCmd)
		out := fs.String("out", "", "output folder (default out/<scenario name>/)")
		runs := fs.Int("runs", 0, "replications per sweep point (default: the scenario's runs)")
		seed := fs.Uint64("seed", 0, "scenario seed (default: the scenario's seed)")
		jobs := fs.Int("jobs", 0, "parallel workers (default: number of CPUs)")
		quiet := fs.Bool("quiet", false, "no progress bar and no table")
		var sets stringList
		fs.Var(&sets, "set", "override a var or setting before the sweep, e.g. link.loss=0.01 (repeatable)")
		pos, err := parseFlags(e, runCmd, fs, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return badInput("emu run: name one scenario file or built-in example (see 'emu list')")
		}
		seen := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { seen[f.Name] = true })
		if *runs < 0 || (seen["runs"] && *runs == 0) {
			return badInput("emu run: --runs must be a positive number")
		}
		if *jobs < 0 {
			return badInput("emu run: --jobs must be positive")
		}
		plan, err := loadPlan(e, pos[0], sets, overrides{runs: *runs, seed: *seed, seedSet: seen["seed"]})
		if err != nil {
			return err
		}
		dir := *out
		if dir == "" {
			dir = filepath.Join("out", plan.Name)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		total := int64(len(plan.Points)) * int64(plan.Runs)
		opt := runner.Options{Jobs: *jobs}
		var bar *progressbar.ProgressBar
		if e.isTerminal && !*quiet {
			bar = progressbar.NewOptions64(total,
				progressbar.OptionSetWriter(e.stderr),
				progressbar.OptionSetDescription(plan.Name),
				progressbar.OptionShowCount(),
				progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("runs"),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
			opt.Progress = func(done, _ int64) { _ = bar.Set64(done) }
		}
		start := time.Now()
		res, err := runner.Execute(ctx, plan, dir, opt)
		if bar != nil {
			_ = bar.Finish()
		}
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return fmt.Errorf("emu run: interrupted; no output was written to %s (run the same command again to start over)", dir)
			}
			return fmt.Errorf("emu run: %w", err)
		}
		elapsed := time.Since(start)
		for _, w := range res.Warnings {
			fmt.Fprintf(e.stderr, "warning: %s\n", w)
		}
		if !*quiet {
			printSummaryTable(e.stdout, plan, res)
			fmt.Fprintf(e.stdout, "\n%d runs of %d points in %.2fs; wrote %s, %s, %s\n", res.Runs, len(plan.Points), elapsed.Seconds(),
				filepath.Join(dir, "runs.csv"), filepath.Join(dir, "summary.csv"), filepath.Join(dir, "summary.json"))
		}
		return nil
	}
}
