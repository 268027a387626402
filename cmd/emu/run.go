package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/emu-sim/emu/internal/runner"
)

var runCmd = &command{
	name:    "run",
	args:    "FILE.yaml|NAME [--out DIR] [--runs N] [--seed S] [--jobs J] [--set key=value]... [--shard I/N] [--quiet] [--format table|csv|json|markdown] [--ci] [--pool] [--force]\n       emu run --resume DIR",
	summary: "run every sweep point of a scenario and write runs.csv, summary.csv, summary.json",
	help: `Runs every sweep point 'runs' times, shows progress on a terminal, prints the
fraction of each close type per point, and writes DIR (default out/<name>/):
  runs.csv      one row per run (close type, teardown time, TIME_WAIT, errors, bytes)
  summary.csv   one row per sweep point (counts, fractions, 95% Wilson intervals)
  summary.json  the same, plus the scenario as resolved and emu's version
  scenario.yaml the scenario exactly as given (a file, a built-in, stdin)
  scenario.resolved.yaml  the same after --set, --runs and --seed: running
                it alone repeats the rows
  run.json      the command line, emu's version and commit, --set, --runs
                and --seed: with scenario.yaml, what 'emu trace DIR'
                needs to replay any row
The same scenario and seed give byte-identical data files whatever --jobs is.

Ctrl-C (or SIGTERM) stops a run: no output file appears half-written, the
finished runs are kept in DIR/.emu-partial, and 'emu run --resume DIR'
completes the rest; the files then equal those of an uninterrupted run. A
new run into a folder that holds such an interrupted run stops (exit 2)
and says how to resume it; --force discards it and starts over.

--shard I/N runs only shard I of N (runs i with i mod N = I), for spreading a
sweep over a batch system; 'emu merge --out DIR SHARD_DIR...' joins them into
the files of the unsharded run. --shard auto/N takes I from
JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) or SLURM_ARRAY_TASK_ID.

The printed summary gives each close type's share of runs (of all connection
attempts for runs of many connections, with the failed connects as a column of
their own, so that a row adds up to 100%), the teardown time's median and the
mean TIME_WAIT. --ci adds each share's 95% Wilson interval (±, or +up/-down
where it is not symmetric), --pool a row "all" over every point, and --format
prints it as csv or json (fractions, not percentages; the closing line goes
to stderr) or as a Markdown table.

A sweep of more than --max-runs runs (10 million) asks first on a terminal;
elsewhere it needs --yes. --quiet prints nothing but errors and warnings.

Examples:
  emu run delayed-ack-boundary
  emu run mine.yaml --runs 1000 --jobs 8 --out results/mine
  emu run lossy-teardown --set link.delay=50ms --seed 7
  emu run lossy-teardown --runs 50 --ci --pool --format markdown
`,
}

func init() {
	runCmd.run = cmdRun
}

// defaultMaxRuns is the sweep size above which emu run asks first: a typo
// in a range's step can otherwise start a run of days.
const defaultMaxRuns = 10_000_000

// confirmBigSweep asks on a terminal whether to run a sweep larger than
// max; without a terminal it refuses, saying how to go ahead.
func confirmBigSweep(e *env, name string, total, max int64) error {
	msg := fmt.Sprintf("%s has %s, more than --max-runs %d", name, count(total, "run", "runs"), max)
	if !e.isTerminal || e.stdin == nil {
		return badInput("emu run: %s; check the sweep, or add --yes to run it", msg)
	}
	fmt.Fprintf(e.stderr, "%s. Run them all? [y/N] ", msg)
	var answer string
	fmt.Fscanln(e.stdin, &answer)
	if answer != "y" && answer != "Y" && answer != "yes" {
		return badInput("emu run: not started (answer y, or add --yes)")
	}
	return nil
}

// cmdRun runs emu run.
func cmdRun(e *env, args []string) error {
	fs := newFlags(e, runCmd)
	out := fs.String("out", "", "output folder `DIR` (default out/<scenario name>/)")
	runs := fs.Int("runs", 0, "`N` runs per sweep point (default: the scenario's runs)")
	seed := fs.Uint64("seed", 0, "scenario seed `S` (default: the scenario's seed)")
	jobs := fs.Int("jobs", 0, "`J` parallel workers (default: number of CPUs)")
	quiet := fs.Bool("quiet", false, "no progress bar and no table")
	yes := fs.Bool("yes", false, "run a sweep larger than --max-runs without asking")
	maxRuns := fs.Int64("max-runs", defaultMaxRuns, "ask (or, without a terminal, refuse) before running more than `N` runs")
	shardFlag := fs.String("shard", "", "run only shard I of N: `I/N`, or auto/N (see above)")
	resume := fs.String("resume", "", "complete the interrupted run in the output folder `DIR`")
	force := fs.Bool("force", false, "run into a folder that holds an interrupted run, discarding that run's finished runs")
	format := fs.String("format", "table", "print the summary as `FORMAT`: table, csv, json or markdown")
	ci := fs.Bool("ci", false, "show each share's 95% interval")
	pool := fs.Bool("pool", false, "add a row over all points")
	var sets stringList
	fs.Var(&sets, "set", "override a var or setting before the sweep: `key=value`, e.g. link.loss=0.01 (repeatable)")
	pos, err := parseFlags(e, runCmd, fs, args)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { seen[f.Name] = true })
	if err := checkRuns("run", *runs, seen["runs"]); err != nil {
		return err
	}
	if *jobs < 0 || *jobs > runner.MaxJobs {
		return badInput("emu run: --jobs %d is out of range (1 to %d; 0 or none = the number of CPUs)", *jobs, runner.MaxJobs)
	}
	if *maxRuns < 1 {
		return badInput("emu run: --max-runs %d must be at least 1", *maxRuns)
	}
	if !slices.Contains(tableFormats, *format) {
		return badInput("emu run: --format %q: write %s", *format, strings.Join(tableFormats, ", "))
	}
	var src runSource
	if *resume != "" {
		if len(pos) != 0 || len(sets) != 0 || seen["runs"] || seen["seed"] || seen["shard"] || seen["out"] || *force {
			return badInput("emu run --resume DIR takes no scenario and no --out, --set, --runs, --seed, --shard or --force: they are those of the interrupted run")
		}
		b, err := runner.ReadSource(*resume)
		if err != nil {
			return badInput("emu run --resume: %v", err)
		}
		if err := json.Unmarshal(b, &src); err != nil || src.Content == "" {
			return badInput("emu run --resume: %s holds no scenario to resume", *resume)
		}
		*out = *resume
	} else {
		if len(pos) != 1 {
			return badInput("emu run: name one scenario file or built-in example (see 'emu list')")
		}
		content, name, err := readScenario(e, pos[0])
		if err != nil {
			return err
		}
		src = runSource{File: name, Content: string(content), Sets: sets, Runs: *runs, Seed: *seed, SeedSet: seen["seed"], Shard: *shardFlag,
			Argv: append([]string{"emu", "run"}, args...)}
	}
	// From here on Ctrl-C and SIGTERM are handled: resolving a large
	// sweep stops at once (exit 130), and a run keeps what it finished.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	plan, err := planFromSource(ctx, &src)
	if err != nil {
		return err
	}
	// The fingerprint of resumed and merged runs: the source, which is
	// the same for every shard of one command line.
	origin := src
	origin.Shard, origin.Argv = "", nil
	plan.Origin, _ = json.Marshal(origin)
	var shard runner.Shard
	if src.Shard != "" {
		if shard, err = runner.ParseShard(src.Shard, os.Getenv); err != nil {
			return badInput("emu run: %v", err)
		}
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("out", plan.Name)
		if shard.Sharded() {
			dir = filepath.Join("out", fmt.Sprintf("%s-shard-%d-of-%d", plan.Name, shard.Index, shard.Count))
		}
	}
	source, _ := json.Marshal(src)
	total, err := runner.TotalRuns(len(plan.Points), plan.Runs)
	if err != nil {
		return badInput("emu run: %v", err)
	}
	if *resume == "" && total > *maxRuns && !*yes {
		if err := confirmBigSweep(e, plan.Name, total, *maxRuns); err != nil {
			return err
		}
	}
	if *resume == "" {
		if err := refuseInterrupted(dir, *force); err != nil {
			return err
		}
	}
	rec := newRecord(src.Argv, &src, plan)
	if *resume != "" {
		rec.ResumedBy = append([]string{"emu", "run"}, args...)
		if rec.Argv == nil {
			// Interrupted by an emu that kept no command line.
			rec.Argv = []string{}
		}
	}
	resolved, err := resolvedScenario(&src)
	if err != nil {
		return err
	}
	files, err := recordFiles(rec, src.Content, resolved)
	if err != nil {
		return err
	}
	opt := runner.Options{Jobs: *jobs, Shard: shard, Resume: *resume != "", Source: source, Files: files}
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
		opt.Progress = func(done, total int64) {
			// A shard runs only part of the sweep: the runner knows how much.
			if bar.GetMax64() != total {
				bar.ChangeMax64(total)
			}
			_ = bar.Set64(done)
		}
	}
	log.Debug().Str("scenario", plan.Name).Int("points", len(plan.Points)).Int("runs", plan.Runs).
		Uint64("seed", plan.Seed).Int("jobs", *jobs).Str("shard", src.Shard).Bool("resume", opt.Resume).
		Str("out", dir).Msg("run starts")
	start := time.Now()
	res, err := runner.Execute(ctx, plan, dir, opt)
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		var in *runner.Interrupted
		if errors.As(err, &in) {
			return &exitError{code: 130, msg: fmt.Sprintf("emu run: %v.\nNo output file was written. Resume with:\n  emu run --resume %s", err, dir)}
		}
		return fmt.Errorf("emu run: %w", err)
	}
	elapsed := time.Since(start)
	log.Debug().Int64("runs", res.Runs).Int64("restored", res.Resumed).Dur("wall", elapsed).Msg("run done")
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	if !*quiet {
		if err := printSummaryTable(e.stdout, plan, res, tableOptions{format: *format, ci: *ci, pool: *pool, dir: dir}); err != nil {
			return fmt.Errorf("emu run: %w", err)
		}
		// csv and json stay parseable: the closing lines go to stderr.
		tail := e.stdout
		if *format == "csv" || *format == "json" {
			tail = e.stderr
		}
		if res.Resumed > 0 {
			verb := "were"
			if res.Resumed == 1 {
				verb = "was"
			}
			fmt.Fprintf(tail, "\n%s %s restored from the interrupted run.", count(res.Resumed, "run", "runs"), verb)
		}
		fmt.Fprintf(tail, "\n%s of %s in %.2fs; wrote %s, %s, %s\n", count(res.Runs, "run", "runs"), count(len(plan.Points), "point", "points"), elapsed.Seconds(),
			filepath.Join(dir, "runs.csv"), filepath.Join(dir, "summary.csv"), filepath.Join(dir, "summary.json"))
	}
	return nil
}

// refuseInterrupted stops a run into a folder that holds an interrupted
// run, whose finished runs it would throw away, unless force says to: it
// then discards them.
func refuseInterrupted(dir string, force bool) error {
	in, ok := runner.FindInterrupted(dir)
	if !ok {
		return nil
	}
	if !force {
		return badInput("emu run: %s holds an interrupted run (%d of %d runs done).\nComplete it with:\n  emu run --resume %s\nor discard it and start over with --force", dir, in.Done, in.Total, dir)
	}
	if err := runner.DiscardInterrupted(dir); err != nil {
		return fmt.Errorf("emu run: %w", err)
	}
	log.Debug().Str("out", dir).Int64("done", in.Done).Msg("discarded the interrupted run (--force)")
	return nil
}
