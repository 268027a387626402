package plot

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/emu-sim/emu/results"
)

// Formats are the file formats a plot can be written in, by extension.
var Formats = []string{".svg", ".png", ".pdf"}

// Page size and resolution: 16:9-ish for slides, and a PNG sharp on a
// projector (1920 pixels wide).
const (
	pageWidth  = 10 * vg.Inch
	pageHeight = 5.625 * vg.Inch
	pngDPI     = 192
)

// family is the one font family of every text in a plot: Liberation Sans,
// which gonum/plot embeds (so PNG and PDF render it anywhere) and which has
// Arial's metrics (so an SVG viewer that substitutes Arial or Helvetica
// keeps the layout).
var family = font.Font{Typeface: "Liberation", Variant: "Sans"}

// Font sizes: the title largest, then axis labels and legend, then ticks.
const (
	titleSize  = 16
	labelSize  = 13
	legendSize = 12
	tickSize   = 11
	noteSize   = 11
)

// canvas returns a canvas for the file's format, chosen by its extension.
func canvas(out string) (vg.CanvasWriterTo, error) {
	switch strings.ToLower(filepath.Ext(out)) {
	case ".svg":
		return vgsvg.New(pageWidth, pageHeight), nil
	case ".png":
		return vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(pageWidth, pageHeight), vgimg.UseDPI(pngDPI))}, nil
	case ".pdf":
		c := vgpdf.New(pageWidth, pageHeight)
		// Fonts embedded: the PDF looks the same on every machine.
		c.EmbedFonts(true)
		return c, nil
	}
	return nil, fmt.Errorf("plot: %s: unknown format %q (the extension picks it: %s)", out, filepath.Ext(out), strings.Join(Formats, ", "))
}

// styleFonts puts every text of p in the one family at its size.
func styleFonts(p *gplot.Plot) {
	set := func(s *draw.TextStyle, size vg.Length) {
		s.Font = font.Font{Typeface: family.Typeface, Variant: family.Variant, Size: size}
		s.Color = color.Black
	}
	set(&p.Title.TextStyle, titleSize)
	for _, a := range []*gplot.Axis{&p.X, &p.Y} {
		set(&a.Label.TextStyle, labelSize)
		set(&a.Tick.Label, tickSize)
	}
	set(&p.Legend.TextStyle, legendSize)
}

// page is a plot with its title lines above and its legend to the right,
// outside the axes, on an opaque white box.
type page struct {
	title    string
	subtitle string
	plot     *gplot.Plot
	legend   gplot.Legend
	entries  int // legend entries added
}

// write draws the page and writes it to out in the format of its
// extension, whole or not at all.
func (pg *page) write(out string) error {
	c, err := canvas(out)
	if err != nil {
		return err
	}
	dc := draw.New(c)
	// Opaque background: a slide's own colour must not show through.
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	pad := vg.Points(12)
	top := dc.Max.Y - pad
	// Regular weight throughout: the title stands out by size (and
	// gonum's PDF canvas cannot draw bold faces).
	header := func(text string, size vg.Length) {
		st := draw.TextStyle{Color: color.Black, Font: font.Font{Typeface: family.Typeface, Variant: family.Variant, Size: size}, XAlign: draw.XCenter, YAlign: draw.YTop, Handler: gplot.DefaultTextHandler}
		dc.FillText(st, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: top}, text)
		top -= st.Height(text) + vg.Points(4)
	}
	header(pg.title, titleSize)
	if pg.subtitle != "" {
		header(pg.subtitle, noteSize)
	}
	top -= vg.Points(4)
	leg := pg.legend
	leg.TextStyle.Font = font.Font{Typeface: family.Typeface, Variant: family.Variant, Size: legendSize}
	leg.TextStyle.Color = color.Black
	leg.Top, leg.Left = true, true
	leg.ThumbnailWidth = vg.Points(26)
	leg.Padding = vg.Points(3)
	lr := leg.Rectangle(dc).Size()
	boxPad := vg.Points(6)
	lw := lr.X + 2*boxPad
	if strings.EqualFold(filepath.Ext(out), ".svg") {
		// A viewer without Liberation Sans or Arial substitutes a wider
		// sans-serif (DejaVu Sans is a fifth wider): room for it.
		lw = lr.X*6/5 + 2*boxPad
	}
	right := lw + 2*pad
	if pg.entries == 0 {
		right = pad
	}
	area := draw.Crop(dc, 0, -right, 0, top-dc.Max.Y)
	pg.plot.Draw(area)
	if pg.entries > 0 {
		// The legend's box, white with a grey frame, right of the axes
		// and level with their top.
		x0, y1 := dc.Max.X-pad-lw, top
		box := vg.Rectangle{Min: vg.Point{X: x0, Y: y1 - lr.Y - 2*boxPad}, Max: vg.Point{X: x0 + lw, Y: y1}}
		dc.SetColor(color.White)
		dc.Fill(box.Path())
		dc.SetColor(color.Gray{Y: 160})
		dc.SetLineWidth(vg.Points(0.75))
		dc.SetLineDash(nil, 0)
		dc.Stroke(box.Path())
		leg.Draw(draw.Crop(dc, x0+boxPad-dc.Min.X, -(dc.Max.X - x0 - lw + boxPad), 0, -(dc.Max.Y - y1 + boxPad)))
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return fmt.Errorf("plot: %s: %w", out, err)
	}
	b := buf.Bytes()
	if strings.EqualFold(filepath.Ext(out), ".svg") {
		// gonum names the family alone; viewers without it would pick
		// a serif. Arial and Helvetica have the same metrics.
		b = bytes.ReplaceAll(b, []byte("font-family:Liberation Sans;"), []byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
	}
	if err := results.WriteFileAtomic(out, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	}); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}
