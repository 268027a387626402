package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/emu-sim/emu/internal/runner"
	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/results/ladder"
)

var traceCmd = &command{
	name:    "trace",
	args:    "FILE.yaml|NAME [--point K] [--run R] [--set key=value]... [--pcap FILE] [--pcap-at client|server] [--connection C|all] [--svg FILE]",
	summary: "run one run and print its ladder diagram",
	help: `Prints a ladder diagram of one run: virtual time, the client on the left, the
server on the right, every segment with flags and relative seq/ack, drops and
retransmissions, state changes and application calls, and the close type.
Run R of point K is exactly the run in row (point K, run R) of runs.csv.
On a terminal the ladder is in colour (not with NO_COLOR set). --pcap and
--svg also write the run as a capture for Wireshark and as an SVG drawing.

The capture is what tcpdump on one host would see (--pcap-at, the client by
default): frames stamped when they pass that host, frames lost on the way to
it absent, the SYN options of the profile's kernel (MSS, SACK permitted,
timestamps, window scale), and virtual time counted from 2000-01-01 00:00:00
UTC. A name ending in .pcapng writes pcapng, where frames the host sent but
the link lost carry a comment. --connection picks the connection of a run of
many (0 = the first the client opened) or all of them.

Examples:
  emu trace delayed-ack-boundary --point 0     # close at once: three-way
  emu trace delayed-ack-boundary --point 14    # close after 100 ms: four-way
  emu trace lossy-teardown --point 3 --run 17 --pcap run17.pcap
  emu trace lossy-teardown --point 3 --run 17 --pcap run17.pcapng --pcap-at server
`,
}

func init() {
	traceCmd.run = cmdTrace
}

// cmdTrace runs emu trace.
func cmdTrace(e *env, args []string) error {
	fs := newFlags(e, traceCmd)
	point := fs.Int("point", 0, "sweep point `K` (0-based, as in runs.csv)")
	run := fs.Int("run", 0, "run `R` of that point (0-based, as in runs.csv)")
	pcapFile := fs.String("pcap", "", "also write the run as a capture for Wireshark to `FILE` (pcap; pcapng if it ends in .pcapng)")
	pcapAt := fs.String("pcap-at", "client", "take the capture at `HOST`: client or server")
	connection := fs.String("connection", "0", "the connection `C` to capture (0-based, in order of opening) or all")
	svgFile := fs.String("svg", "", "also draw the ladder as an SVG `FILE`")
	var sets stringList
	fs.Var(&sets, "set", "override a var or setting: `key=value`, e.g. link.loss=0.01 (repeatable)")
	pos, err := parseFlags(e, traceCmd, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return badInput("emu trace: name one scenario file or built-in example (see 'emu list')")
	}
	popt, err := pcapOptions(*pcapAt, *connection, *pcapFile)
	if err != nil {
		return err
	}
	scen, err := loadScenario(e, pos[0])
	if err != nil {
		return err
	}
	plan, err := planFromScenario(context.Background(), scen, pos[0], sets, overrides{})
	if err != nil {
		return err
	}
	if *point < 0 || *point >= len(plan.Points) {
		return badInput("emu trace: --point %d is out of range (%s)", *point, indexRange("the sweep has", len(plan.Points), "point"))
	}
	if *run < 0 || *run >= plan.Runs {
		return badInput("emu trace: --run %d is out of range (%s)", *run, indexRange("each point has", plan.Runs, "run"))
	}
	if *pcapFile == "-" && *svgFile == "-" {
		return badInput("emu trace: --pcap - and --svg - cannot both write to standard output")
	}
	// With a file on standard output, the ladder goes to standard error.
	text := e.stdout
	if *pcapFile == "-" || *svgFile == "-" {
		text = e.stderr
	}
	w := sim.NewWorker()
	tr := &results.Trace{}
	w.SetTrace(tr)
	_, seed, err := runner.RunRow(w, plan, *point, *run)
	if err != nil {
		return fmt.Errorf("emu trace: %w", err)
	}
	heading := fmt.Sprintf("%s, run %d, seed %d", plan.Name, *run, seed)
	if len(plan.Keys) > 0 {
		vals := make([]string, len(plan.Keys))
		for i, k := range plan.Keys {
			vals[i] = k + "=" + plan.Points[*point].Values[i]
		}
		heading = fmt.Sprintf("%s, point %d (%s), run %d, seed %d", plan.Name, *point, strings.Join(vals, ", "), *run, seed)
	}
	fmt.Fprintf(text, "%s\n\n", heading)
	if err := ladder.Write(text, tr, ladder.Options{Colour: e.colour}); err != nil {
		return err
	}
	if *pcapFile != "" {
		// The kernels' SYN options follow the point's profiles
		// (after --set, which planFromScenario applied to scen).
		if pts, err := scen.Points(); err == nil {
			cfg := pts[*point].Config
			popt.Profiles = [2]string{cfg.Client.Profile, cfg.Server.Profile}
		}
		if err := writePcap(*pcapFile, tr, popt); err != nil {
			return fmt.Errorf("emu trace: %w", err)
		}
		if *pcapFile != "-" {
			fmt.Fprintf(text, "wrote %s\n", *pcapFile)
		}
	}
	if *svgFile != "" {
		if err := writeLadderSVG(*svgFile, tr, heading); err != nil {
			return fmt.Errorf("emu trace: %w", err)
		}
		if *svgFile != "-" {
			fmt.Fprintf(text, "wrote %s\n", *svgFile)
		}
	}
	return nil
}
