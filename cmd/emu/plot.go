package main

import (
	"fmt"
	"path/filepath"

	"github.com/emu-sim/emu/results/plot"
)

var plotCmd = &command{
	name:    "plot",
	args:    "DIR [--x KEY] [--y COLUMN] [--out FILE.svg|.png|.pdf] [--states STATE [--host SIDE]]",
	summary: "plot each close type's fraction with its confidence band against a sweep key",
	help: `Reads DIR/summary.csv (the output of 'emu run') and draws, for every close
type that occurred, its fraction of runs against a sweep key, with the 95%
Wilson interval as a band. With two sweep keys, each value of the other key
gets its own line style. --y draws any other column of summary.csv instead,
e.g. teardown_ms_p95 or connections_failed_mean (docs/outputs.md lists them).

The file's extension picks the format: .svg, .png (1920 pixels wide) or .pdf,
16:9 for slides. The title names the scenario and, below it, what the sweep
held fixed (profile, link, runs per point); the legend sits right of the axes.

On the output folder of 'emu classify' it draws each close type's fraction
of connections per capture file.

With --states STATE it draws states.csv instead (runs of many connections):
the number of the host's sockets in STATE over time, run 0 of each point;
--host server draws the server's host instead of the client's.

Examples:
  emu run delayed-ack-boundary && emu plot out/delayed-ack-boundary
  emu plot out/lossy-teardown --x link.loss --out loss.svg
  emu plot out/lossy-teardown --y teardown_ms_p95 --out teardown.png
  emu run time-wait-pileup && emu plot out/time-wait-pileup --states time_wait
`,
}

func init() {
	plotCmd.run = cmdPlot
}

// cmdPlot runs emu plot.
func cmdPlot(e *env, args []string) error {
	fs := newFlags(e, plotCmd)
	x := fs.String("x", "", "sweep `KEY` on the x axis (default: the first)")
	y := fs.String("y", "", "summary.csv `COLUMN` on the y axis (default: every close type's fraction)")
	out := fs.String("out", "", "`FILE` to write, .svg, .png or .pdf (default DIR/plot.svg, or DIR/states-STATE.svg)")
	states := fs.String("states", "", "plot states.csv: sockets in `STATE` (e.g. time_wait) over time")
	host := fs.String("host", "client", "with --states: the `SIDE` whose host is drawn, client or server")
	pos, err := parseFlags(e, plotCmd, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return badInput("emu plot: name one output folder of 'emu run'")
	}
	if *states != "" {
		file := *out
		if file == "" {
			file = filepath.Join(pos[0], "states-"+*states+".svg")
		}
		if err := plot.PlotStates(pos[0], *states, *host, file); err != nil {
			return badInput("emu %v", err)
		}
		if file != "-" {
			fmt.Fprintf(e.stdout, "wrote %s\n", file)
		}
		return nil
	}
	s, err := plot.Load(pos[0])
	if err != nil {
		return badInput("emu %v", err)
	}
	file := *out
	if file == "" {
		file = filepath.Join(pos[0], "plot.svg")
	}
	if err := plot.Plot(s, plot.Options{X: *x, Y: *y, Out: file}); err != nil {
		return badInput("emu %v", err)
	}
	if file != "-" {
		fmt.Fprintf(e.stdout, "wrote %s\n", file)
	}
	return nil
}
