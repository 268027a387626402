package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/emu-sim/emu/internal/runner"
	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/results/ladder"
	"github.com/emu-sim/emu/results/pcap"
)

var traceCmd = &command{
	name:    "trace",
	args:    "FILE.yaml|NAME|DIR [--point K|key=value,...] [--run R] [--seed S] [--set key=value]... [--first TYPE] [--pcap FILE] [--pcap-at client|server] [--connection C|all] [--svg FILE]",
	summary: "run one run and print its ladder diagram",
	help: `Prints a ladder diagram of one run: virtual time, the client on the left, the
server on the right, every segment with flags and relative seq/ack, drops and
retransmissions, state changes and application calls, and the close type.
Run R of point K is exactly the run in row (point K, run R) of runs.csv.
On a terminal the ladder is in colour (not with NO_COLOR set). --pcap and
--svg also write the run as a capture for Wireshark and as an SVG drawing.

DIR, a finished 'emu run' folder, replays a row of its runs.csv with the
folder's own scenario.yaml and run.json (its --set, --runs and --seed, so
no --set or --seed here), and checks the run against the row: "the same
as row ..." when every column agrees; a difference is exit 1 (a warning
when another emu version wrote the folder). A bare name that is also a
built-in example means the example: write ./NAME for a folder of that name.

--point takes the point's number or its sweep values, key=value, several
joined by commas or given as several --point: --point close_delay=42ms
(42ms or 0.042s alike). An unknown key or value is exit 2, listing the
valid ones. --seed replaces the scenario's seed, as in 'emu run'.

--first TYPE traces the first run of the point, from --run on, that ended
as TYPE (a close type: three-way, four-way, simultaneous, rst, fin-rst,
timeout, incomplete, no-connect; or failed, a connect that failed, which
is no-connect); in runs of many connections, the first connection that
did, searching run --run, then the next runs. When none did, it says so
and exits 1 (like grep without a match).

The capture is what tcpdump on one host would see (--pcap-at, the client by
default): frames stamped when they pass that host, frames lost on the way to
it absent, the SYN options of the profile's kernel (MSS, SACK permitted,
timestamps, window scale), and virtual time counted from 2000-01-01 00:00:00
UTC. A name ending in .pcapng writes pcapng, where frames the host sent but
the link lost carry a comment. --connection picks the connection of a run of
many (0 = the first the client opened) to draw and capture, or all of them
for the capture. A later connection's ladder shows its segments only: the
calls and state changes are recorded for the first connection.

Examples:
  emu trace delayed-ack-boundary --point 0     # close at once: three-way
  emu trace delayed-ack-boundary --point close_delay=100ms  # four-way
  emu trace lossy-teardown --point 3 --run 17 --pcap run17.pcap
  emu trace lossy-teardown --point 3 --run 17 --pcap run17.pcapng --pcap-at server
  emu trace delayed-ack-boundary --point close_delay=42ms --seed 7
  emu trace out/lossy-teardown --point link.loss=0.1 --run 3
  emu trace out/lossy-teardown --point link.loss=0.2 --first four-way
`,
}

func init() {
	traceCmd.run = cmdTrace
}

// cmdTrace runs emu trace.
func cmdTrace(e *env, args []string) error {
	fs := newFlags(e, traceCmd)
	var points stringList
	fs.Var(&points, "point", "sweep point `K` (0-based, as in runs.csv), or its sweep values: key=value[,key=value] (repeatable)")
	run := fs.Int("run", 0, "run `R` of that point (0-based, as in runs.csv)")
	seed := fs.Uint64("seed", 0, "scenario seed `S` (default: the scenario's seed)")
	first := fs.String("first", "", "trace the first connection, or run, from --run on that ended as `TYPE`: a close type or failed")
	pcapFile := fs.String("pcap", "", "also write the run as a capture for Wireshark to `FILE` (pcap; pcapng if it ends in .pcapng)")
	pcapAt := fs.String("pcap-at", "client", "take the capture at `HOST`: client or server")
	connection := fs.String("connection", "0", "the connection `C` of a run of many to draw and capture (0-based, in order of opening), or all (capture only)")
	svgFile := fs.String("svg", "", "also draw the ladder as an SVG `FILE`")
	var sets stringList
	fs.Var(&sets, "set", "override a var or setting: `key=value`, e.g. link.loss=0.01 (repeatable)")
	pos, err := parseFlags(e, traceCmd, fs, args)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { seen[f.Name] = true })
	if len(pos) != 1 {
		return badInput("emu trace: name one scenario file, built-in example (see 'emu list') or finished output folder")
	}
	popt, err := pcapOptions(*pcapAt, *connection, *pcapFile)
	if err != nil {
		return err
	}
	want, err := parseFirst(*first)
	if err != nil {
		return err
	}
	if want != nil && seen["connection"] {
		return badInput("emu trace: --first picks the connection itself: drop --connection")
	}
	// A finished output folder is traced with its own scenario and
	// settings; anything else names a scenario.
	var src runSource
	var folder *runRecord
	if isOutputFolder(pos[0]) {
		if len(sets) > 0 || seen["seed"] {
			return badInput("emu trace: %s is a finished run: its rows are those of its scenario and settings; trace the scenario file to change them with --set or --seed", pos[0])
		}
		rec, content, err := readRecord(pos[0])
		if err != nil {
			return badInput("emu trace: %v", err)
		}
		folder, src = rec, rec.source(content)
	} else {
		content, name, err := readScenario(e, pos[0])
		if err != nil {
			return err
		}
		src = runSource{File: name, Content: string(content), Sets: sets, Seed: *seed, SeedSet: seen["seed"]}
	}
	plan, err := planFromSource(context.Background(), &src)
	if err != nil {
		return err
	}
	p, err := pickPoint(plan, points)
	if err != nil {
		return err
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
	r, conn := *run, popt.conn
	var row *runner.Row
	if want != nil {
		if row, r, conn, err = findFirst(w, tr, plan, p, r, *want); err != nil {
			return err
		}
		popt.conn = conn
	} else if row, err = runner.TraceRow(w, plan, p, r); err != nil {
		return fmt.Errorf("emu trace: %w", err)
	}
	shown := tr
	if conn != pcap.AllConnections && conn > 0 {
		if shown, err = tr.Connection(conn); err != nil {
			return badInput("emu trace: --connection: %v", err)
		}
	}
	heading := fmt.Sprintf("%s, run %d, seed %d", plan.Name, r, row.Seed)
	if len(plan.Keys) > 0 {
		heading = fmt.Sprintf("%s, point %d (%s), run %d, seed %d", plan.Name, p, pointValues(plan, p), r, row.Seed)
	}
	if conn > 0 || len(tr.Conns) > 1 {
		heading += fmt.Sprintf(", connection %d", max(conn, 0))
	}
	fmt.Fprintf(text, "%s\n\n", heading)
	if err := ladder.Write(text, shown, ladder.Options{Colour: e.colour}); err != nil {
		return err
	}
	if conn > 0 {
		fmt.Fprintf(text, "(connection %d: its segments only; the calls and states are drawn for connection 0)\n", conn)
	}
	if folder != nil {
		if err := checkRow(text, e.stderr, pos[0], folder, plan, p, r, row); err != nil {
			return err
		}
	}
	if *pcapFile != "" {
		// The kernels' SYN options follow the point's profiles (after --set).
		cfg := plan.Points[p].Params
		popt.Profiles = [2]string{cfg.Client.Profile, cfg.Server.Profile}
		if err := writePcap(*pcapFile, tr, popt); err != nil {
			return fmt.Errorf("emu trace: %w", err)
		}
		if *pcapFile != "-" {
			fmt.Fprintf(text, "wrote %s\n", *pcapFile)
		}
	}
	if *svgFile != "" {
		if err := writeLadderSVG(*svgFile, shown, heading); err != nil {
			return fmt.Errorf("emu trace: %w", err)
		}
		if *svgFile != "-" {
			fmt.Fprintf(text, "wrote %s\n", *svgFile)
		}
	}
	return nil
}

// pointValues returns "key=value, ..." for point p.
func pointValues(plan *runner.Plan, p int) string {
	vals := make([]string, len(plan.Keys))
	for i, k := range plan.Keys {
		vals[i] = k + "=" + plan.Points[p].Values[i]
	}
	return strings.Join(vals, ", ")
}
