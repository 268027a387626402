package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/emu-sim/emu/internal/kernel"
	"github.com/emu-sim/emu/internal/runner"
	"github.com/emu-sim/emu/scenarios"
)

// init turns this process into a side helper of emu kernel when it was
// started as one (emu kernel re-executes itself in each namespace), before
// anything else runs.
func init() { kernel.MaybeSide() }

var kernelCmd = &command{
	name:    "kernel",
	args:    "FILE.yaml|NAME [--runs N] [--seed S] [--set key=value]... [--out DIR] [--pcap-dir DIR] [--quiet]",
	summary: "run a scenario on this machine's real Linux kernel (root), to compare with emu run",
	help: `Runs every sweep point 'runs' times on the real kernel: per point two network
namespaces, one per side, joined only by emu's relay, which applies the
scenario's link (delay, jitter, loss, rate, queue; the same model and seeds as
emu run) to the real packets in real time. Each side's do: list runs as real
socket calls in a helper process in its namespace. The relay's record of the
packets (its capture) is read by emu classify's reader.

Writes DIR (default out/<name>-kernel/) with emu run's files and columns, plus
kernel (uname -r) and relay_delay_error_ms, relay_delay_error_p99_ms (how
late the relay delivered packets); a median over 0.5 ms is warned about.
--pcap-dir DIR keeps every run's capture (point-P-run-R.pcap).

Needs root, iproute2 and /dev/net/tun (exit 2 otherwise). Settings a real
kernel cannot take (another profile than linux, a tcp: value with no sysctl,
socket option or route attribute behind it, more than 1000 connections) are refused
by name with exit 2. Runs go one at a time in real time: a scenario's time is
wall-clock time here. Ctrl-C removes every namespace, device and process.

Examples:
  sudo emu kernel half-close --runs 20 --pcap-dir out/half-close-pcaps
  emu run quickack --runs 20 --out out/sim
  sudo emu kernel quickack --runs 20 --out out/kern
  emu compare out/sim out/kern --out compare.svg
`,
}

func init() {
	kernelCmd.run = cmdKernel
}

// cmdKernel runs emu kernel.
func cmdKernel(e *env, args []string) error {
	fs := newFlags(e, kernelCmd)
	out := fs.String("out", "", "output folder `DIR` (default out/<scenario name>-kernel/)")
	runs := fs.Int("runs", 0, "`N` runs per sweep point (default: the scenario's runs)")
	seed := fs.Uint64("seed", 0, "scenario seed `S` (default: the scenario's seed)")
	quiet := fs.Bool("quiet", false, "no progress bar and no table")
	pcapDir := fs.String("pcap-dir", "", "keep each run's capture in `DIR`")
	var sets stringList
	fs.Var(&sets, "set", "override a var or setting before the sweep: `key=value` (repeatable)")
	pos, err := parseFlags(e, kernelCmd, fs, args)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { seen[f.Name] = true })
	if err := checkRuns("kernel", *runs, seen["runs"]); err != nil {
		return err
	}
	if len(pos) != 1 {
		return badInput("emu kernel: name one scenario file or built-in example (see 'emu list')")
	}
	content, name, err := readScenario(e, pos[0])
	if err != nil {
		return err
	}
	s, err := scenarios.Load(name, content)
	if err != nil {
		return &inputError{msg: err.Error()}
	}
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return badInput("--set %q: write key=value, e.g. --set link.loss=0.01", kv)
		}
		if err := s.Set(k, v); err != nil {
			return badInput("--set %s: %v", k, err)
		}
	}
	points, err := s.Points()
	if err != nil {
		return &inputError{msg: err.Error()}
	}
	if len(points) == 0 {
		return badInput("%s: the sweep has no points", name)
	}
	plan := runner.NewPlan(points, versionString(), *runs, *seed, seen["seed"])
	job := &kernel.Job{Name: plan.Name, Seed: plan.Seed, Runs: plan.Runs, Keys: plan.Keys, Points: points,
		Scenario: plan.Scenario, Version: versionString()}
	for _, p := range points {
		setup, err := kernel.Prepare(p.Config)
		if err != nil {
			where := name
			if len(p.Keys) > 0 {
				var kv []string
				for i, k := range p.Keys {
					kv = append(kv, k+"="+p.Values[i])
				}
				where = fmt.Sprintf("%s, point %d (%s)", name, p.Index, strings.Join(kv, ", "))
			}
			return badInput("emu kernel: %s: %v", where, err)
		}
		job.Setups = append(job.Setups, setup)
	}
	if err := kernel.Available(); err != nil {
		return badInput("%v", err)
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("out", plan.Name+"-kernel")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	total := int64(len(points)) * int64(plan.Runs)
	opt := kernel.Options{PcapDir: *pcapDir}
	var bar *progressbar.ProgressBar
	if e.isTerminal && !*quiet {
		bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription(plan.Name+" (kernel)"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("runs"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		opt.Progress = func(done, _ int64) { _ = bar.Set64(done) }
	}
	start := time.Now()
	res, err := kernel.Execute(ctx, job, dir, opt)
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return &exitError{code: 130, msg: "emu kernel: interrupted; namespaces, devices and helper processes removed, no output file written"}
		}
		var ref *kernel.RefusedError
		if errors.As(err, &ref) {
			return badInput("emu kernel: %s: %v", name, err)
		}
		return fmt.Errorf("emu kernel: %w", err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	if !*quiet {
		if err := printSummaryTable(e.stdout, plan, &runner.Result{Summaries: res.Summaries, ExtraMeans: res.ExtraMeans, Runs: res.Runs},
			tableOptions{format: "table", dir: dir}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "\n%s of %s on Linux %s in %.2fs; relay delay error median %.3f ms; wrote %s, %s, %s\n",
			count(res.Runs, "run", "runs"), count(len(points), "point", "points"), res.Kernel, time.Since(start).Seconds(),
			float64(res.DelayErr)/1e6, filepath.Join(dir, "runs.csv"), filepath.Join(dir, "summary.csv"), filepath.Join(dir, "summary.json"))
	}
	return nil
}
