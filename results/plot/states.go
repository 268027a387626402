package plot

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/emu-sim/emu/internal/input"
)

// PlotStates draws, from DIR/states.csv, the number of sockets in one state
// on one host against virtual time, one line per sweep point (run 0 of each
// point; the sweep values come from DIR/summary.csv). It is how a
// TIME_WAIT pile-up looks.
func PlotStates(dir, state, host, out string) error {
	sw, err := Load(dir)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "states.csv")
	f, err := input.Open(path, input.Regular)
	if err != nil {
		return fmt.Errorf("plot: %w (states.csv is written by runs of more than one connection)", err)
	}
	defer f.Close()
	r := csv.NewReader(input.Lines(f, input.MaxLineBytes))
	head, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s:1: %w", path, err)
	}
	col := -1
	var names []string
	for i, h := range head {
		if i >= 4 {
			names = append(names, h)
		}
		if h == state {
			col = i
		}
	}
	if col < 4 {
		return fmt.Errorf("plot: %q is not a state column of %s (%s)", state, path, strings.Join(names, ", "))
	}
	if host != "client" && host != "server" {
		return fmt.Errorf("plot: host %q is not client or server", host)
	}
	lines := map[int]plotter.XYs{}
	line := 1
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if rec[1] != "0" || rec[3] != host {
			continue
		}
		p, err1 := strconv.Atoi(rec[0])
		ms, err2 := strconv.ParseFloat(rec[2], 64)
		n, err3 := strconv.Atoi(rec[col])
		if err1 != nil || err2 != nil || err3 != nil {
			return fmt.Errorf("%s:%d: not a states.csv row", path, line)
		}
		lines[p] = append(lines[p], plotter.XY{X: ms / 1000, Y: float64(n)})
	}
	if _, err := canvas(out); err != nil {
		return err
	}
	p := gplot.New()
	styleFonts(p)
	pg := &page{title: scenarioName(sw) + ": " + host + " sockets in " + strings.ToUpper(state), subtitle: strings.TrimPrefix(fixedParams(sw)+", run 0 of each point", ", "), plot: p, legend: gplot.NewLegend()}
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = "sockets"
	p.X.Tick.Marker, p.Y.Tick.Marker = niceTicks{}, niceTicks{}
	p.Add(plotter.NewGrid())
	for i, row := range sw.Rows {
		xy, ok := lines[i]
		if !ok {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		l.Color = typeColours[i%len(typeColours)]
		l.Width = vg.Points(1.5)
		l.Dashes = dashes[(i/len(typeColours))%len(dashes)]
		p.Add(l)
		var label []string
		for k, key := range sw.Keys {
			label = append(label, key+"="+row.Values[k])
		}
		if len(label) == 0 {
			label = []string{"run 0"}
		}
		pg.legend.Add(strings.Join(label, ", "), l)
		pg.entries++
	}
	return pg.write(out)
}
