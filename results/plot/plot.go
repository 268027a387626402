// Package plot draws `emu plot`: the fraction of each close type against a
// sweep key, with its 95% Wilson band, from a finished run's summary.csv.
// It uses gonum.org/v1/plot and writes SVG.
package plot

import (
	"encoding/csv"
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/emu-sim/emu/internal/units"
	"github.com/emu-sim/emu/results"
)

// Row is one sweep point of summary.csv: its sweep values and, per close
// type, the fraction and its interval.
type Row struct {
	Values       []string
	Frac, Lo, Hi [results.NumCloseTypes]float64
	N            [results.NumCloseTypes]int
}

// Sweep is a run folder's summary.
type Sweep struct {
	Name string // the folder's name, used as the title
	Keys []string
	Rows []Row
}

// Load reads DIR/summary.csv.
func Load(dir string) (*Sweep, error) {
	path := filepath.Join(dir, "summary.csv")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("plot: %w (is %s the output folder of 'emu run'?)", err, dir)
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s:1: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	runs, ok := col["runs"]
	if !ok || head[0] != "point" {
		return nil, fmt.Errorf("%s:1: not a summary.csv (no point and runs columns)", path)
	}
	s := &Sweep{Name: filepath.Base(filepath.Clean(dir)), Keys: head[1:runs]}
	line := 1
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		row := Row{Values: rec[1:runs]}
		for _, t := range results.CloseTypes() {
			c := t.Column()
			for _, x := range []struct {
				name string
				dst  *float64
			}{{"frac_" + c, &row.Frac[t]}, {"ci_lo_" + c, &row.Lo[t]}, {"ci_hi_" + c, &row.Hi[t]}} {
				i, ok := col[x.name]
				if !ok {
					return nil, fmt.Errorf("%s:1: no %s column", path, x.name)
				}
				if *x.dst, err = strconv.ParseFloat(rec[i], 64); err != nil {
					return nil, fmt.Errorf("%s:%d: %s: %q is not a number", path, line, x.name, rec[i])
				}
			}
			if row.N[t], err = strconv.Atoi(rec[col["n_"+c]]); err != nil {
				return nil, fmt.Errorf("%s:%d: n_%s: %q is not a number", path, line, c, rec[col["n_"+c]])
			}
		}
		s.Rows = append(s.Rows, row)
	}
	if len(s.Rows) == 0 {
		return nil, fmt.Errorf("%s: no sweep points", path)
	}
	return s, nil
}

// typeColours gives each close type the same colour in every plot.
var typeColours = [results.NumCloseTypes]color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {127, 127, 127, 255}, {23, 190, 207, 255},
}

var dashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(3), vg.Points(2), vg.Points(3)}}

// axis says how a sweep key's values are placed on the x axis.
type axis struct {
	label  string
	values []float64 // x per row
	names  []string  // categorical tick labels, if categorical
}

func xAxis(s *Sweep, k int) axis {
	key := s.Keys[k]
	a := axis{label: key, values: make([]float64, len(s.Rows))}
	allDur, allNum := true, true
	for _, r := range s.Rows {
		v := r.Values[k]
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			allNum = false
		}
		if _, err := units.ParseDuration(v); err != nil || v == "0" && !allNum {
			allDur = false
		}
	}
	switch {
	case allNum:
		for i, r := range s.Rows {
			a.values[i], _ = strconv.ParseFloat(r.Values[k], 64)
		}
	case allDur:
		a.label = key + " (ms)"
		for i, r := range s.Rows {
			d, _ := units.ParseDuration(r.Values[k])
			a.values[i] = float64(d) / float64(time.Millisecond)
		}
	default:
		idx := map[string]int{}
		for i, r := range s.Rows {
			v := r.Values[k]
			if _, ok := idx[v]; !ok {
				idx[v] = len(a.names)
				a.names = append(a.names, v)
			}
			a.values[i] = float64(idx[v])
		}
	}
	return a
}

// Plot draws every close type that occurred at any point as a line of its
// fraction against the sweep key xKey (default the first), with its
// confidence band, and writes an SVG to out.
func Plot(s *Sweep, xKey, out string) error {
	k := 0
	if xKey != "" {
		k = -1
		for i, key := range s.Keys {
			if key == xKey {
				k = i
			}
		}
		if k < 0 {
			return fmt.Errorf("plot: %q is not a sweep key of %s (sweep keys: %s)", xKey, s.Name, strings.Join(s.Keys, ", "))
		}
	}
	p := gplot.New()
	p.Title.Text = s.Name
	p.Y.Label.Text = "fraction of runs"
	p.Y.Min, p.Y.Max = -0.02, 1.02
	p.Legend.Top = true
	p.Legend.XOffs = -vg.Points(24)
	p.Legend.YOffs = -vg.Points(30)
	p.Legend.ThumbnailWidth = vg.Points(24)
	p.Add(plotter.NewGrid())

	var ax axis
	if len(s.Keys) == 0 {
		ax = axis{label: "", values: make([]float64, len(s.Rows)), names: []string{"all runs"}}
	} else {
		ax = xAxis(s, k)
	}
	p.X.Label.Text = ax.label
	if ax.names != nil {
		p.NominalX(ax.names...)
	}
	// Lines are grouped by the values of the other sweep keys: one line
	// style per group.
	var groups []string
	groupOf := make([]int, len(s.Rows))
	for i, r := range s.Rows {
		var parts []string
		for j, key := range s.Keys {
			if j != k {
				parts = append(parts, key+"="+r.Values[j])
			}
		}
		g := strings.Join(parts, ", ")
		found := -1
		for gi, x := range groups {
			if x == g {
				found = gi
			}
		}
		if found < 0 {
			found = len(groups)
			groups = append(groups, g)
		}
		groupOf[i] = found
	}
	for _, t := range results.CloseTypes() {
		occurred := false
		for _, r := range s.Rows {
			if r.N[t] > 0 {
				occurred = true
			}
		}
		if !occurred {
			continue
		}
		c := typeColours[t]
		for g, name := range groups {
			var line, lo, hi plotter.XYs
			for i, r := range s.Rows {
				if groupOf[i] != g {
					continue
				}
				line = append(line, plotter.XY{X: ax.values[i], Y: r.Frac[t]})
				lo = append(lo, plotter.XY{X: ax.values[i], Y: r.Lo[t]})
				hi = append(hi, plotter.XY{X: ax.values[i], Y: r.Hi[t]})
			}
			band := append(append(plotter.XYs{}, lo...), reverse(hi)...)
			if len(line) > 1 {
				poly, err := plotter.NewPolygon(band)
				if err != nil {
					return fmt.Errorf("plot: %w", err)
				}
				poly.Color = color.RGBA{c.R, c.G, c.B, 50}
				poly.LineStyle.Width = 0
				p.Add(poly)
			}
			l, pts, err := plotter.NewLinePoints(line)
			if err != nil {
				return fmt.Errorf("plot: %w", err)
			}
			l.Color, pts.Color = c, c
			l.Dashes = dashes[g%len(dashes)]
			pts.Shape = draw.CircleGlyph{}
			pts.Radius = vg.Points(2)
			p.Add(l, pts)
			label := t.String()
			if name != "" {
				label += " (" + name + ")"
			}
			p.Legend.Add(label, l, pts)
		}
	}
	if out == "" {
		return errors.New("plot: no output file")
	}
	wt, err := p.WriterTo(9*vg.Inch, 5.5*vg.Inch, "svg")
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return results.WriteFileAtomic(out, func(w io.Writer) error {
		_, err := wt.WriteTo(w)
		return err
	})
}

func reverse(xy plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, len(xy))
	for i := range xy {
		out[len(xy)-1-i] = xy[i]
	}
	return out
}
