// Package plot draws `emu plot`: the fraction of each close type against a
// sweep key, with its 95% Wilson band, or any other column of summary.csv,
// from a finished run's output (or per capture file, from the summary.csv
// of `emu classify`). It reads only the output files, never re-runs
// anything, so a plot can be redrawn (another x key, another column,
// another file) from a run done elsewhere. It uses gonum.org/v1/plot and
// writes SVG, PNG or PDF, as the file's extension says, sized and lettered
// for slides.
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
	Cells        []string // every field of the row, in the order of Sweep.Columns
	Line         int      // line in summary.csv, for errors
	Runs         int
	Frac, Lo, Hi [results.NumCloseTypes]float64
	N            [results.NumCloseTypes]int
}

// Sweep is a run folder's summary: what Plot needs, read once by Load so
// that several plots of one folder parse it once.
type Sweep struct {
	Dir     string   // the folder; Plot writes Dir/plot.svg when given no file
	Name    string   // the folder's name (the scenario's, for `emu run`'s default --out), used as the title
	Keys    []string // the sweep keys: summary.csv's columns between point and runs
	Columns []string // summary.csv's header
	Rows    []Row    // one per sweep point, in file order
	path    string
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
	s := &Sweep{Dir: dir, Name: filepath.Base(filepath.Clean(dir)), Keys: head[keyLo:runs], Columns: head, path: path}
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
		row := Row{Values: rec[keyLo:runs], Cells: rec, Line: line}
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

// bandAlpha is how strongly a confidence band shows its line's colour:
// light enough that lines on it stay readable.
const bandAlpha = 50

// tint is c at opacity alpha (of 255): translucent, so that overlapping
// bands both show, or for PDF, whose gonum canvas draws translucent fills
// grey, the same colour over white made opaque.
func tint(c color.NRGBA, alpha int, opaque bool) color.NRGBA {
	if !opaque {
		return color.NRGBA{c.R, c.G, c.B, uint8(alpha)}
	}
	mix := func(v uint8) uint8 { return uint8(255 - (255-int(v))*alpha/255) }
	return color.NRGBA{mix(c.R), mix(c.G), mix(c.B), 255}
}

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

// Options say what Plot draws and where.
type Options struct {
	X string // sweep key on the x axis; "" = the first
	// Y is a column of summary.csv on the y axis, e.g. teardown_ms_p95 or
	// connections_failed_mean; "" = the fraction of every close type.
	Y string
	// Out is the file, its format chosen by its extension (Formats); ""
	// = Dir/plot.svg.
	Out string
}

// Plot draws summary columns against the sweep key opt.X and writes the
// plot to opt.Out whole or not at all. By default it draws, for every
// close type that occurred at any point, its fraction of runs with its 95%
// Wilson interval as a band of the same colour; with opt.Y, that one
// column (with its band when it is a frac_ column). With more sweep keys,
// each combination of the other keys' values gets its own line style and
// legend entry. The title names the scenario and, below it, what the sweep
// held fixed; the legend sits right of the axes.
func Plot(s *Sweep, opt Options) error {
	k := 0
	if opt.X != "" {
		if k = slices.Index(s.Keys, opt.X); k < 0 {
			if len(s.Keys) == 0 {
				return fmt.Errorf("plot: %q is not a sweep key of %s (it has no sweep keys)", opt.X, s.Name)
			}
			return fmt.Errorf("plot: %q is not a sweep key of %s (sweep keys: %s)", opt.X, s.Name, strings.Join(s.Keys, ", "))
		}
	}
	out := opt.Out
	if out == "" {
		out = filepath.Join(s.Dir, "plot.svg")
	}
	if _, err := canvas(out); err != nil {
		return err
	}
	opaque := strings.EqualFold(filepath.Ext(out), ".pdf")
	var curves []curve
	yLabel := "share of runs"
	frac := true
	if opt.Y == "" {
		for _, t := range results.CloseTypes() {
			if slices.ContainsFunc(s.Rows, func(r Row) bool { return r.N[t] > 0 }) {
				c := curve{label: t.String(), colour: typeColours[t], y: make([]float64, len(s.Rows)), lo: make([]float64, len(s.Rows)), hi: make([]float64, len(s.Rows))}
				for i, r := range s.Rows {
					c.y[i], c.lo[i], c.hi[i] = r.Frac[t], orValue(r.Lo[t], r.Frac[t]), orValue(r.Hi[t], r.Frac[t])
				}
				curves = append(curves, c)
			}
		}
	} else {
		c, err := s.column(opt.Y)
		if err != nil {
			return err
		}
		curves = []curve{c}
		yLabel, frac = yAxisLabel(opt.Y), strings.HasPrefix(opt.Y, "frac_")
	}

	p := gplot.New()
	styleFonts(p)
	p.Y.Label.Text = yLabel
	if frac {
		p.Y.Min, p.Y.Max = -0.02, 1.02
		p.Y.Tick.Marker = fractionTicks{}
	} else {
		p.Y.Tick.Marker = niceTicks{}
	}
	// Bands first, then the grid, then lines and points on top, so that
	// no band hides a line.
	var front []gplot.Plotter
	pg := &page{title: scenarioName(s), subtitle: fixedParams(s), plot: p, legend: gplot.NewLegend()}

	ax := axis{kind: categorical, values: make([]float64, len(s.Rows)), names: []string{"all runs"}}
	if len(s.Keys) > 0 {
		ax = xAxis(s, k)
	}
	p.X.Label.Text = ax.label
	if ax.kind == categorical {
		names := shortNames(ax.names)
		p.NominalX(names...)
		// Labels that would run into each other on a 10-inch axis are
		// slanted.
		total := 0
		for _, n := range names {
			total += len(n) + 2
		}
		if total*7 > 600 {
			p.X.Tick.Label.Rotation = math.Pi / 6
			p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
		}
		p.X.Min, p.X.Max = -0.5, float64(len(ax.names))-0.5
	} else if tk := newValueTicks(ax.values); tk != nil {
		p.X.Tick.Marker = tk
	} else {
		p.X.Tick.Marker = niceTicks{}
	}
	groups, groupOf := groupRows(s, k)
	for ci, cv := range curves {
		for g, name := range groups {
			var idx []int
			for i := range s.Rows {
				if groupOf[i] == g && !math.IsNaN(cv.y[i]) {
					idx = append(idx, i)
				}
			}
			if len(idx) == 0 {
				continue
			}
			c := cv.colour
			if len(curves) == 1 {
				// One column: the groups tell apart by colour too.
				c = typeColours[g%len(typeColours)]
			}
			// Sweep lists need not be sorted: draw lines left to right.
			slices.SortStableFunc(idx, func(a, b int) int { return cmpFloat(ax.values[a], ax.values[b]) })
			// Categories have no order to interpolate along: each curve
			// and group gets its own slot around the category's tick, a
			// point with an error bar and no line.
			dodge := 0.0
			if ax.kind == categorical {
				slots := len(curves) * len(groups)
				dodge = (float64(ci*len(groups)+g) - float64(slots-1)/2) * min(0.6/float64(slots), 0.1)
			}
			var line, lo, hi plotter.XYs
			for _, i := range idx {
				x := ax.values[i] + dodge
				line = append(line, plotter.XY{X: x, Y: cv.y[i]})
				if cv.lo != nil {
					lo = append(lo, plotter.XY{X: x, Y: cv.lo[i]})
					hi = append(hi, plotter.XY{X: x, Y: cv.hi[i]})
				}
			}
			if lo != nil {
				if err := addBand(p, line, lo, hi, c, ax.kind == categorical, opaque); err != nil {
					return fmt.Errorf("plot: %s: %w", cv.label, err)
				}
			}
			pts, err := plotter.NewScatter(line)
			if err != nil {
				return fmt.Errorf("plot: %s: %w", cv.label, err)
			}
			pts.Color = c
			pts.Shape = glyphs[g%len(glyphs)]
			pts.Radius = vg.Points(3)
			label := cv.label
			switch {
			case name != "" && len(curves) == 1:
				// The axis names the one column; the legend the groups.
				label = name
			case name != "":
				label += " (" + name + ")"
			}
			pg.entries++
			if ax.kind == categorical {
				front = append(front, pts)
				pg.legend.Add(label, pts)
				continue
			}
			l, err := plotter.NewLine(line)
			if err != nil {
				return fmt.Errorf("plot: %s: %w", cv.label, err)
			}
			l.Color = c
			l.Width = vg.Points(1.5)
			l.Dashes = dashes[g%len(dashes)]
			front = append(front, l, pts)
			pg.legend.Add(label, l, pts)
		}
	}
	p.Add(plotter.NewGrid())
	p.Add(front...)
	if !frac {
		// Quantities (times, counts) are read against zero; the top is
		// rounded up to a labelled tick.
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, cv := range curves {
			for i := range cv.y {
				for _, v := range []float64{cv.y[i], at(cv.lo, i), at(cv.hi, i)} {
					if !math.IsNaN(v) {
						lo, hi = min(lo, v), max(hi, v)
					}
				}
			}
		}
		if lo <= hi {
			lo = min(lo, 0)
			if hi == lo {
				hi = lo + 1
			}
			step := niceStep(hi-lo, 5)
			p.Y.Min, p.Y.Max = math.Floor(lo/step)*step, math.Ceil(hi/step)*step
		}
	}
	if len(curves) == 1 && len(groups) == 1 {
		// One line: the axis's label says what it is.
		pg.entries = 0
	}
	return pg.write(out)
}

// at returns v[i], or NaN for a nil v.
func at(v []float64, i int) float64 {
	if v == nil {
		return math.NaN()
	}
	return v[i]
}

// curve is one column's values, one per row (NaN where empty), with its
// interval when it has one.
type curve struct {
	label  string
	colour color.NRGBA
	y      []float64
	lo, hi []float64 // nil: no band
}

// column reads a summary.csv column as a curve; a frac_ column brings its
// ci_lo_ and ci_hi_ as the band. Empty fields are gaps; other text is an
// error naming the line.
func (s *Sweep) column(name string) (curve, error) {
	j := slices.Index(s.Columns, name)
	if j < 0 || j <= len(s.Keys) {
		var numeric []string
		for _, c := range s.Columns[len(s.Keys)+1:] {
			if !strings.HasPrefix(c, "n_") && !strings.HasPrefix(c, "ci_") {
				numeric = append(numeric, c)
			}
		}
		return curve{}, fmt.Errorf("plot: %q is not a column of %s (for example: %s)", name, s.path, strings.Join(numeric, ", "))
	}
	read := func(col int) ([]float64, error) {
		v := make([]float64, len(s.Rows))
		for i, r := range s.Rows {
			f := r.Cells[col]
			if f == "" {
				v[i] = math.NaN()
				continue
			}
			x, err := strconv.ParseFloat(f, 64)
			if err != nil || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%s:%d: %s: %q is not a number", s.path, r.Line, s.Columns[col], f)
			}
			v[i] = x
		}
		return v, nil
	}
	c := curve{label: name, colour: typeColours[0]}
	var err error
	if c.y, err = read(j); err != nil {
		return c, err
	}
	if t, ok := strings.CutPrefix(name, "frac_"); ok {
		lo, hi := slices.Index(s.Columns, "ci_lo_"+t), slices.Index(s.Columns, "ci_hi_"+t)
		if lo > 0 && hi > 0 {
			if c.lo, err = read(lo); err != nil {
				return c, err
			}
			if c.hi, err = read(hi); err != nil {
				return c, err
			}
			for i := range c.y {
				c.lo[i], c.hi[i] = orValue(c.lo[i], c.y[i]), orValue(c.hi[i], c.y[i])
			}
		}
	}
	return c, nil
}

// yAxisLabel names a column's axis with its unit, from the column naming
// rules of docs/outputs.md: _ms_ columns are milliseconds, frac_ columns
// fractions of runs, _mean columns means over a point's runs.
func yAxisLabel(col string) string {
	switch {
	case strings.HasPrefix(col, "frac_"):
		return strings.ReplaceAll(strings.TrimPrefix(col, "frac_"), "_", "-") + " (fraction of runs)"
	case strings.Contains(col, "_ms_") || strings.HasSuffix(col, "_ms"):
		return col + " (ms)"
	}
	return col
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

// addBand draws the confidence band of one line: a light polygon
// between lo and hi, or error bars where a polygon would mislead (points
// on a categorical axis) or have no area (a line of one point).
func addBand(p *gplot.Plot, line, lo, hi plotter.XYs, c color.NRGBA, categorical, opaque bool) error {
	if categorical || len(line) == 1 {
		errs := make(plotter.YErrors, len(line))
		for i := range line {
			errs[i].Low, errs[i].High = line[i].Y-lo[i].Y, hi[i].Y-line[i].Y
		}
		eb, err := plotter.NewYErrorBars(errPoints{line, errs})
		if err != nil {
			return err
		}
		eb.Color = tint(c, 160, opaque)
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
	poly.Color = tint(c, bandAlpha, opaque)
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

// shortNames drops the folders of names that are paths (emu classify's
// capture files) when the last elements are still distinct.
func shortNames(names []string) []string {
	out := make([]string, len(names))
	seen := map[string]bool{}
	for i, n := range names {
		out[i] = filepath.Base(n)
		if seen[out[i]] {
			return names
		}
		seen[out[i]] = true
	}
	return out
}
