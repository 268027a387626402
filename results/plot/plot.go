// Package plot draws `emu plot`: the fraction of each close type against a
// sweep key, with its 95% Wilson band, from a finished run's summary.csv
// (or per capture file, from the summary.csv of `emu classify`).
// It reads only the output files, never re-runs anything, so a plot can be
// redrawn (another x key, another file) from a run done elsewhere. It uses
// gonum.org/v1/plot and writes SVG.
package plot

import (
	"encoding/csv"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/emu-sim/emu/internal/input"
	"github.com/emu-sim/emu/internal/units"
	"github.com/emu-sim/emu/results"
)

// Row is one sweep point of summary.csv: its sweep values and, per close
// type (indexed by results.CloseType), the count, the fraction and its
// interval. A fraction summary.csv leaves empty (a point without runs) is
// NaN and is not drawn.
type Row struct {
	Values       []string // one per sweep key, as written in summary.csv
	Runs         int
	Frac, Lo, Hi [results.NumCloseTypes]float64
	N            [results.NumCloseTypes]int
}

// Sweep is a run folder's summary: what Plot needs, read once by Load so
// that several plots of one folder parse it once.
type Sweep struct {
	Dir  string   // the folder; Plot writes Dir/plot.svg when given no file
	Name string   // the folder's name (the scenario's, for `emu run`'s default --out), used as the title
	Keys []string // the sweep keys: summary.csv's columns between point and runs
	Rows []Row    // one per sweep point, in file order
}

// Load reads DIR/summary.csv as `emu run` writes it. Errors name the file
// and, for its content, the line.
func Load(dir string) (*Sweep, error) {
	path := filepath.Join(dir, "summary.csv")
	f, err := input.Open(path, input.Regular)
	if err != nil {
		return nil, fmt.Errorf("plot: %w (is %s the output folder of 'emu run'?)", err, dir)
	}
	defer f.Close()
	r := csv.NewReader(input.Lines(f, input.MaxLineBytes))
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s:1: empty file, not a summary.csv", path)
	}
	if err != nil {
		return nil, csvError(path, err)
	}
	// `emu run` writes point, the sweep keys, runs; `emu classify` writes
	// file, connections, and its rows (one per capture file) are plotted
	// as the values of a key "file".
	keyLo, runs := 1, slices.Index(head, "runs")
	captures := len(head) > 1 && head[0] == "file" && head[1] == "connections"
	if captures {
		keyLo, runs = 0, 1
	} else if head[0] != "point" || runs < 1 {
		return nil, fmt.Errorf("%s:1: not a summary.csv (it starts with point, the sweep keys, runs)", path)
	}
	// Column of each statistic: n_, frac_, ci_lo_, ci_hi_ per close type.
	var cols [results.NumCloseTypes][4]int
	for _, t := range results.CloseTypes() {
		for j, prefix := range []string{"n_", "frac_", "ci_lo_", "ci_hi_"} {
			name := prefix + t.Column()
			if cols[t][j] = slices.Index(head, name); cols[t][j] < 0 {
				return nil, fmt.Errorf("%s:1: no %s column", path, name)
			}
		}
	}
	s := &Sweep{Dir: dir, Name: filepath.Base(filepath.Clean(dir)), Keys: head[keyLo:runs]}
	var all *Row // emu classify's row over all files
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(path, err)
		}
		line, _ := r.FieldPos(0)
		row := Row{Values: rec[keyLo:runs]}
		if row.Runs, err = strconv.Atoi(rec[runs]); err != nil || row.Runs < 0 {
			return nil, fmt.Errorf("%s:%d: runs: %q is not a count", path, line, rec[runs])
		}
		for _, t := range results.CloseTypes() {
			c := cols[t]
			if row.N[t], err = strconv.Atoi(rec[c[0]]); err != nil || row.N[t] < 0 {
				return nil, fmt.Errorf("%s:%d: %s: %q is not a count", path, line, head[c[0]], rec[c[0]])
			}
			for j, dst := range []*float64{&row.Frac[t], &row.Lo[t], &row.Hi[t]} {
				v := rec[c[j+1]]
				if v == "" {
					*dst = math.NaN()
					continue
				}
				x, err := strconv.ParseFloat(v, 64)
				if err != nil || x < 0 || x > 1 {
					return nil, fmt.Errorf("%s:%d: %s: %q is not a fraction", path, line, head[c[j+1]], v)
				}
				*dst = x
			}
		}
		if captures && rec[0] == results.AllFiles {
			all = &row
			continue
		}
		s.Rows = append(s.Rows, row)
	}
	if len(s.Rows) == 0 && all != nil {
		s.Rows = append(s.Rows, *all) // no file rows: plot the total
	}
	if len(s.Rows) == 0 {
		return nil, fmt.Errorf("%s: no sweep points", path)
	}
	return s, nil
}

// csvError puts a CSV syntax error in the file:line: form of every other
// error about a file's content.
func csvError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d: %w", path, pe.StartLine, pe.Err)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// typeColours gives each close type the same colour in every plot
// (matplotlib's tab10, in contract order), so plots can be compared at a
// glance.
var typeColours = [results.NumCloseTypes]color.NRGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {127, 127, 127, 255}, {23, 190, 207, 255},
}

// bandAlpha is the opacity of confidence bands: light enough that
// overlapping bands and the lines stay readable.
const bandAlpha = 50

// dashes and glyphs tell apart the lines of one close type drawn for
// different values of the other sweep keys; combined they give 20 styles
// before one repeats.
var (
	dashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(3), vg.Points(2), vg.Points(3)}}
	glyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}, draw.RingGlyph{}}
)

// axisKind is how a sweep key's values are placed on the x axis.
type axisKind int

const (
	numeric axisKind = iota
	duration
	size
	rate
	categorical
)

// axis is the x axis of a plot: a label with its unit, and where each row
// goes.
type axis struct {
	kind   axisKind
	label  string
	values []float64 // x per row
	names  []string  // categorical tick labels, in order of first appearance
}

// parseAll reports whether parse accepts every row's value of key k, and
// the values scaled by unit.
func parseAll[T int64 | time.Duration](s *Sweep, k int, parse func(string) (T, error), unit float64) ([]float64, bool) {
	xs := make([]float64, len(s.Rows))
	for i, r := range s.Rows {
		v, err := parse(r.Values[k])
		if err != nil {
			return nil, false
		}
		xs[i] = float64(v) / unit
	}
	return xs, true
}

// xAxis picks the first reading that fits every value of key k: numbers,
// then durations (in ms), sizes (bytes), rates (Mbit/s), else categories.
func xAxis(s *Sweep, k int) axis {
	key := s.Keys[k]
	nums := make([]float64, len(s.Rows))
	allNum := true
	for i, r := range s.Rows {
		x, err := strconv.ParseFloat(r.Values[k], 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			allNum = false
			break
		}
		nums[i] = x
	}
	if allNum {
		return axis{kind: numeric, label: key, values: nums}
	}
	if xs, ok := parseAll(s, k, units.ParseDuration, float64(time.Millisecond)); ok {
		return axis{kind: duration, label: key + " (ms)", values: xs}
	}
	if xs, ok := parseAll(s, k, units.ParseSize, 1); ok {
		return axis{kind: size, label: key + " (bytes)", values: xs}
	}
	if xs, ok := parseAll(s, k, units.ParseRate, 1e6); ok {
		return axis{kind: rate, label: key + " (Mbit/s)", values: xs}
	}
	a := axis{kind: categorical, label: key, values: make([]float64, len(s.Rows))}
	for i, r := range s.Rows {
		j := slices.Index(a.names, r.Values[k])
		if j < 0 {
			j = len(a.names)
			a.names = append(a.names, r.Values[k])
		}
		a.values[i] = float64(j)
	}
	return a
}

// Plot draws, for every close type that occurred at any point, its
// fraction of runs against the sweep key xKey (default the first) with its
// 95% Wilson interval as a band of the same colour, and writes an SVG to
// out (default s.Dir/plot.svg) whole or not at all. With more sweep keys,
// each combination of the other keys' values gets its own line style and
// legend entry.
func Plot(s *Sweep, xKey, out string) error {
	k := 0
	if xKey != "" {
		if k = slices.Index(s.Keys, xKey); k < 0 {
			if len(s.Keys) == 0 {
				return fmt.Errorf("plot: %q is not a sweep key of %s (it has no sweep keys)", xKey, s.Name)
			}
			return fmt.Errorf("plot: %q is not a sweep key of %s (sweep keys: %s)", xKey, s.Name, strings.Join(s.Keys, ", "))
		}
	}
	if out == "" {
		out = filepath.Join(s.Dir, "plot.svg")
	}
	p := gplot.New()
	p.Title.Text = s.Name
	p.Y.Label.Text = "fraction of runs"
	p.Y.Min, p.Y.Max = -0.02, 1.02
	p.Add(plotter.NewGrid())
	// The legend gets its own column right of the plot, where it hides no
	// data however many entries it has.
	leg := gplot.NewLegend()
	leg.Top, leg.Left = true, true
	leg.ThumbnailWidth = vg.Points(24)

	ax := axis{kind: categorical, values: make([]float64, len(s.Rows)), names: []string{"all runs"}}
	if len(s.Keys) > 0 {
		ax = xAxis(s, k)
	}
	p.X.Label.Text = ax.label
	if ax.kind == categorical {
		p.NominalX(ax.names...)
		p.X.Min, p.X.Max = -0.5, float64(len(ax.names))-0.5
	}
	groups, groupOf := groupRows(s, k)
	var occurred []results.CloseType
	for _, t := range results.CloseTypes() {
		if slices.ContainsFunc(s.Rows, func(r Row) bool { return r.N[t] > 0 }) {
			occurred = append(occurred, t)
		}
	}
	for ti, t := range occurred {
		c := typeColours[t]
		for g, name := range groups {
			var idx []int
			for i, r := range s.Rows {
				if groupOf[i] == g && !math.IsNaN(r.Frac[t]) {
					idx = append(idx, i)
				}
			}
			if len(idx) == 0 {
				continue
			}
			// Sweep lists need not be sorted: draw lines left to right.
			slices.SortStableFunc(idx, func(a, b int) int { return cmpFloat(ax.values[a], ax.values[b]) })
			// Categories have no order to interpolate along: each type
			// and group gets its own slot around the category's tick, a
			// point with an error bar and no line.
			dodge := 0.0
			if ax.kind == categorical {
				slots := len(occurred) * len(groups)
				dodge = (float64(ti*len(groups)+g) - float64(slots-1)/2) * min(0.6/float64(slots), 0.1)
			}
			var line, lo, hi plotter.XYs
			for _, i := range idx {
				r := &s.Rows[i]
				x := ax.values[i] + dodge
				line = append(line, plotter.XY{X: x, Y: r.Frac[t]})
				lo = append(lo, plotter.XY{X: x, Y: orValue(r.Lo[t], r.Frac[t])})
				hi = append(hi, plotter.XY{X: x, Y: orValue(r.Hi[t], r.Frac[t])})
			}
			if err := addBand(p, line, lo, hi, c, ax.kind == categorical); err != nil {
				return fmt.Errorf("plot: %s: %w", t, err)
			}
			pts, err := plotter.NewScatter(line)
			if err != nil {
				return fmt.Errorf("plot: %s: %w", t, err)
			}
			pts.Color = c
			pts.Shape = glyphs[g%len(glyphs)]
			pts.Radius = vg.Points(2.5)
			label := t.String()
			if name != "" {
				label += " (" + name + ")"
			}
			if ax.kind == categorical {
				p.Add(pts)
				leg.Add(label, pts)
				continue
			}
			l, err := plotter.NewLine(line)
			if err != nil {
				return fmt.Errorf("plot: %s: %w", t, err)
			}
			l.Color = c
			l.Dashes = dashes[g%len(dashes)]
			p.Add(l, pts)
			leg.Add(label, l, pts)
		}
	}
	const width, height = 10 * vg.Inch, 5.5 * vg.Inch
	img := vgsvg.New(width, height)
	dc := draw.New(img)
	pad := vg.Points(10)
	// The SVG names its font (Liberation Serif) without embedding it; a
	// viewer without that font substitutes a wider one, so the legend's
	// column has a quarter more room than the measured text needs.
	lw := leg.Rectangle(dc).Size().X * 5 / 4
	p.Draw(draw.Crop(dc, 0, -(lw + 2*pad), 0, 0))
	// Align the legend's top with the plot area's, below the title.
	top := p.Title.TextStyle.Height(p.Title.Text) + p.Title.Padding + pad
	leg.Draw(draw.Crop(dc, width-lw-pad, 0, 0, -top))
	if err := results.WriteFileAtomic(out, func(w io.Writer) error {
		_, err := img.WriteTo(w)
		return err
	}); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

// groupRows groups the rows by the values of the sweep keys other than
// x's (index k): one line per group. It returns the groups' legend names
// ("key=value, ..."; empty with one sweep key) in order of first
// appearance, and each row's group.
func groupRows(s *Sweep, k int) ([]string, []int) {
	var groups []string
	groupOf := make([]int, len(s.Rows))
	for i, r := range s.Rows {
		var parts []string
		for j, key := range s.Keys {
			if j != k {
				parts = append(parts, key+"="+r.Values[j])
			}
		}
		name := strings.Join(parts, ", ")
		g := slices.Index(groups, name)
		if g < 0 {
			g = len(groups)
			groups = append(groups, name)
		}
		groupOf[i] = g
	}
	return groups, groupOf
}

// addBand draws the confidence band of one line: a translucent polygon
// between lo and hi, or error bars where a polygon would mislead (points
// on a categorical axis) or have no area (a line of one point).
func addBand(p *gplot.Plot, line, lo, hi plotter.XYs, c color.NRGBA, categorical bool) error {
	if categorical || len(line) == 1 {
		errs := make(plotter.YErrors, len(line))
		for i := range line {
			errs[i].Low, errs[i].High = line[i].Y-lo[i].Y, hi[i].Y-line[i].Y
		}
		eb, err := plotter.NewYErrorBars(errPoints{line, errs})
		if err != nil {
			return err
		}
		eb.Color = color.NRGBA{c.R, c.G, c.B, 160}
		eb.Width = vg.Points(1.5)
		eb.CapWidth = vg.Points(6)
		p.Add(eb)
		return nil
	}
	band := append(append(plotter.XYs{}, lo...), reversed(hi)...)
	poly, err := plotter.NewPolygon(band)
	if err != nil {
		return err
	}
	poly.Color = color.NRGBA{c.R, c.G, c.B, bandAlpha}
	poly.LineStyle.Width = 0
	p.Add(poly)
	return nil
}

// errPoints is one point with its error bar, as plotter.NewYErrorBars
// takes them.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// orValue returns x, or def when x is NaN (an interval summary.csv left
// empty).
func orValue(x, def float64) float64 {
	if math.IsNaN(x) {
		return def
	}
	return x
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func reversed(xy plotter.XYs) plotter.XYs {
	out := slices.Clone(xy)
	slices.Reverse(out)
	return out
}
