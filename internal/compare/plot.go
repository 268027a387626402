package compare

import (
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/emu-sim/emu/results"
)

// colours gives each close type the colour emu plot gives it (matplotlib's
// tab10 in contract order).
var colours = [results.NumCloseTypes]color.NRGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {127, 127, 127, 255}, {23, 190, 207, 255},
}

// Plot draws both folders' close-type fractions on one plot, one tick per
// sweep point: A solid with circles, B dashed with triangles, each type in
// its colour; points that differ at the 1 % level are labelled.
func (r *Report) Plot(out string) error {
	p := gplot.New()
	p.Title.Text = fmt.Sprintf("%s (solid) vs %s (dashed)", r.A.Name, r.B.Name)
	p.Y.Label.Text = "fraction of runs"
	p.Y.Min, p.Y.Max = -0.02, 1.12
	p.X.Label.Text = strings.Join(r.Keys, ", ")
	p.Add(plotter.NewGrid())
	// The legend gets a column of its own right of the plot, as emu
	// plot's, where it hides no line.
	leg := gplot.NewLegend()
	leg.Top, leg.Left = true, true
	leg.ThumbnailWidth = vg.Points(24)
	names := make([]string, len(r.Points))
	for i, pt := range r.Points {
		names[i] = strings.Join(pt.Values, ", ")
		if names[i] == "" {
			names[i] = "all runs"
		}
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.5, float64(len(names))-0.5
	for _, t := range r.Types {
		for k, side := range []string{"A", "B"} {
			var xy plotter.XYs
			for i, pt := range r.Points {
				row := pt.A
				if k == 1 {
					row = pt.B
				}
				if row.Runs > 0 {
					xy = append(xy, plotter.XY{X: float64(i), Y: float64(row.N[t]) / float64(row.Runs)})
				}
			}
			if len(xy) == 0 {
				continue
			}
			line, pts, err := plotter.NewLinePoints(xy)
			if err != nil {
				return fmt.Errorf("compare plot: %w", err)
			}
			line.Color, pts.Color = colours[t], colours[t]
			line.Width = vg.Points(1.5)
			pts.Shape = draw.CircleGlyph{}
			if k == 1 {
				line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
				pts.Shape = draw.TriangleGlyph{}
			}
			pts.Radius = vg.Points(3)
			p.Add(line, pts)
			leg.Add(t.String()+" "+side, line, pts)
		}
	}
	var marks plotter.XYLabels
	for i, pt := range r.Points {
		if pt.Differ {
			marks.XYs = append(marks.XYs, plotter.XY{X: float64(i), Y: 1.06})
			marks.Labels = append(marks.Labels, fmt.Sprintf("p=%.2g", pt.P))
		}
	}
	if len(marks.XYs) > 0 {
		l, err := plotter.NewLabels(marks)
		if err != nil {
			return fmt.Errorf("compare plot: %w", err)
		}
		p.Add(l)
	}
	width, height := vg.Length(max(7, len(names)+2))*vg.Inch, 4.5*vg.Inch
	format := strings.TrimPrefix(filepath.Ext(out), ".")
	if format == "" {
		format = "svg"
	}
	c, err := draw.NewFormattedCanvas(width, height, format)
	if err != nil {
		return fmt.Errorf("compare plot %s: %w", out, err)
	}
	dc := draw.New(c)
	pad := vg.Points(10)
	lw := leg.Rectangle(dc).Size().X * 5 / 4
	p.Draw(draw.Crop(dc, 0, -(lw + 2*pad), 0, 0))
	top := p.Title.TextStyle.Height(p.Title.Text) + p.Title.Padding + pad
	leg.Draw(draw.Crop(dc, width-lw-pad, 0, 0, -top))
	return results.WriteFileAtomic(out, func(f io.Writer) error {
		_, err := c.WriteTo(f)
		return err
	})
}
