package plot

import (
	"bytes"
	"encoding/xml"
	"flag"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/plot.svg")

// svgText is one text element of an SVG plot.
type svgText struct {
	x     float64
	style string
	text  string
}

func readSVGTexts(t *testing.T, path string) []svgText {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	var out []svgText
	var cur *svgText
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if x.Name.Local == "text" {
				out = append(out, svgText{})
				cur = &out[len(out)-1]
				for _, a := range x.Attr {
					switch a.Name.Local {
					case "x":
						cur.x, _ = strconv.ParseFloat(a.Value, 64)
					case "style":
						cur.style = a.Value
					}
				}
			}
		case xml.CharData:
			if cur != nil {
				cur.text += string(x)
			}
		case xml.EndElement:
			cur = nil
		}
	}
}

// TestPlotForSlides: one font family for every text; the title is the
// scenario's name from summary.json with what the sweep held fixed under
// it; the legend is right of the axes (every legend text starts right of
// the last x tick label); sweep values are the x ticks.
func TestPlotForSlides(t *testing.T) {
	dir := summary(t, []string{"link.loss"}, [][]string{{"0", "three"}, {"0.05", "half"}, {"0.1", "four"}, {"0.2", "four"}})
	// What emu run records of the scenario: the two directions differ in
	// delay, the loss is swept, the profile is FreeBSD's.
	sj := `{"scenario": {"name": "lossy", "points": [
		{"config": {"profile": "freebsd", "client": {"profile": "freebsd"}, "server": {"profile": "freebsd"},
		 "link": {"forward": {"delay": "5ms", "loss": 0, "rate": "unlimited", "jitter": null},
		          "reverse": {"delay": "20ms", "loss": 0, "rate": "unlimited", "jitter": null}}}},
		{"config": {"profile": "freebsd", "client": {"profile": "freebsd"}, "server": {"profile": "freebsd"},
		 "link": {"forward": {"delay": "5ms", "loss": 0.1, "rate": "unlimited", "jitter": null},
		          "reverse": {"delay": "20ms", "loss": 0.1, "rate": "unlimited", "jitter": null}}}}]}}`
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), []byte(sj), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "p.svg")
	if err := Plot(s, Options{Out: out}); err != nil {
		t.Fatal(err)
	}
	texts := readSVGTexts(t, out)
	var got []string
	lastTick, legendX := 0.0, 1e9
	for _, tx := range texts {
		got = append(got, tx.text)
		if !strings.Contains(tx.style, "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;") {
			t.Errorf("text %q in another font: %s", tx.text, tx.style)
		}
		switch tx.text {
		case "0.2":
			lastTick = tx.x
		case "three-way", "four-way":
			legendX = min(legendX, tx.x)
		}
	}
	all := "|" + strings.Join(got, "|") + "|"
	for _, want := range []string{"|lossy|", "|profile freebsd, delay 5ms out, 20ms back, 20 runs per point|", "|0|", "|0.05|", "|0.1|", "|0.2|", "|100%|", "|share of runs|"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %s among the texts %s", want, all)
		}
	}
	if lastTick == 0 || legendX <= lastTick+10 {
		t.Errorf("legend at x %.1f, not right of the axes (last tick at %.1f)", legendX, lastTick)
	}
}

// TestPlotFormats: the extension picks SVG, PNG (opaque, 1920×1080) or
// PDF; another extension is an error naming those three.
func TestPlotFormats(t *testing.T) {
	dir := summary(t, []string{"d"}, [][]string{{"1ms", "three"}, {"2ms", "half"}})
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ file, magic string }{
		{"p.svg", "<?xml"}, {"p.SVG", "<?xml"}, {"p.png", "\x89PNG\r\n\x1a\n"}, {"p.pdf", "%PDF-"},
	} {
		out := filepath.Join(dir, c.file)
		if err := Plot(s, Options{Out: out}); err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		b, _ := os.ReadFile(out)
		if !bytes.HasPrefix(b, []byte(c.magic)) {
			t.Errorf("%s starts with %q", c.file, b[:min(len(b), 8)])
		}
		if c.file == "p.pdf" {
			// One font, embedded.
			fonts := regexp.MustCompile(`/BaseFont */([A-Za-z-]+)`).FindAllStringSubmatch(string(b), -1)
			if len(fonts) == 0 || !bytes.Contains(b, []byte("/FontFile2")) {
				t.Errorf("PDF fonts %v, embedded: %v", fonts, bytes.Contains(b, []byte("/FontFile2")))
			}
			for _, f := range fonts {
				if f[1] != "LiberationSans" {
					t.Errorf("PDF uses font %s", f[1])
				}
			}
		}
		if c.file == "p.png" {
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			r := img.Bounds()
			if r.Dx() != 1920 || r.Dy() != 1080 {
				t.Errorf("PNG %v, want 1920×1080", r)
			}
			for y := r.Min.Y; y < r.Max.Y; y += 7 {
				for x := r.Min.X; x < r.Max.X; x += 7 {
					if _, _, _, a := img.At(x, y).RGBA(); a != 0xffff {
						t.Fatalf("PNG pixel (%d,%d) is not opaque", x, y)
					}
				}
			}
		}
	}
	err = Plot(s, Options{Out: filepath.Join(dir, "p.jpg")})
	if want := "plot: " + filepath.Join(dir, "p.jpg") + `: unknown format ".jpg" (the extension picks it: .svg, .png, .pdf)`; err == nil || err.Error() != want {
		t.Errorf("jpg: %v, want %s", err, want)
	}
}

// TestPlotColumn: --y draws any column, with its unit in the axis label and
// y ticks at round values from zero; a frac_ column brings its band; an
// unknown or non-numeric column is an error naming it.
func TestPlotColumn(t *testing.T) {
	dir := summary(t, []string{"d"}, [][]string{{"1ms", "three"}, {"2ms", "half"}, {"3ms", "four"}})
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "y.svg")
	if err := Plot(s, Options{Y: "teardown_ms_p95", Out: out}); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, tx := range readSVGTexts(t, out) {
		texts = append(texts, tx.text)
	}
	all := "|" + strings.Join(texts, "|") + "|"
	if !strings.Contains(all, "|teardown_ms_p95 (ms)|") || !strings.Contains(all, "|0|") {
		t.Errorf("texts %s: want the label with ms and a tick at 0", all)
	}
	// One line: no legend repeating the axis label.
	if strings.Count(all, "teardown_ms_p95") != 1 {
		t.Errorf("the column is named %d times: %s", strings.Count(all, "teardown_ms_p95"), all)
	}
	if err := Plot(s, Options{Y: "frac_four_way", Out: out}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), "four-way (fraction of runs)") {
		t.Error("frac_four_way: no axis label")
	}
	if err := Plot(s, Options{Y: "nope", Out: out}); err == nil || !strings.HasPrefix(err.Error(), `plot: "nope" is not a column of `) || !strings.Contains(err.Error(), "teardown_ms_p95") {
		t.Errorf("unknown column: %v", err)
	}
	if err := Plot(s, Options{Y: "d", Out: out}); err == nil || !strings.Contains(err.Error(), `"d" is not a column`) {
		t.Errorf("a sweep key as y: %v", err)
	}
}

// TestTicks checks tick choices by hand: round steps, and swept values as
// ticks only when they are few and apart.
func TestTicks(t *testing.T) {
	for _, c := range []struct {
		min, max float64
		want     string
	}{
		{0, 4032, "0 1000 2000 3000 4000"},
		{0, 1, "0 0.2 0.4 0.6 0.8 1"},
		{0, 60000, "0 20000 40000 60000"}, // 60000/5 = 12000 rounds up to 20000
		{0.5, 10, "2 4 6 8 10"},
	} {
		var got []string
		for _, tk := range (niceTicks{}).Ticks(c.min, c.max) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("niceTicks(%g, %g) = %v, want %s", c.min, c.max, got, c.want)
		}
	}
	if newValueTicks([]float64{0, 0.05, 0.1, 0.15, 0.2}) == nil {
		t.Error("five evenly spread sweep values: no value ticks")
	}
	if newValueTicks([]float64{0.5, 1, 2, 2.5, 10}) != nil {
		t.Error("0.5 and 1 on a 0.5..10 axis would collide, yet got value ticks")
	}
	if newValueTicks([]float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}) != nil {
		t.Error("14 values: too many for value ticks")
	}
}

// TestPlotGolden compares the plot of a fixed summary with
// testdata/plot.svg; rewrite it with -update after looking at it.
func TestPlotGolden(t *testing.T) {
	dir := summary(t, []string{"close_delay", "profile"}, [][]string{
		{"0ms", "linux", "three"}, {"0ms", "freebsd", "half"}, {"40ms", "linux", "half"}, {"40ms", "freebsd", "four"}, {"80ms", "linux", "four"}, {"80ms", "freebsd", "four"}})
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "p.svg")
	if err := Plot(s, Options{Out: out}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	path := filepath.Join("testdata", "plot.svg")
	if *update {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(path, got, 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the plot differs from %s (look at it, then -update)", path)
	}
}
