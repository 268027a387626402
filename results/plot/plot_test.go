package plot

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/emu-sim/emu/results"
)

// summary writes a summary.csv with the given sweep keys and rows of
// (values, three-way count, four-way count) out of 20 runs.
func summary(t *testing.T, keys []string, rows [][]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "sweep")
	os.MkdirAll(dir, 0o755)
	var pts []results.PointSummary
	for i, r := range rows {
		a := results.NewAccumulator(i, r[:len(keys)])
		three := 0
		if r[len(keys)] == "three" {
			three = 20
		} else if r[len(keys)] == "half" {
			three = 10
		}
		for j := 0; j < 20; j++ {
			o := results.Outcome{CloseType: results.FourWay}
			if j < three {
				o.CloseType = results.ThreeWay
			}
			a.Add(&o)
		}
		pts = append(pts, a.Summary())
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, "summary.csv"), func(w io.Writer) error {
		return results.WriteSummaryCSV(w, keys, pts)
	}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// badColour matches a fill or stroke that is not #RRGGBB.
var badColour = regexp.MustCompile(`(fill|stroke):#(?:[0-9A-Fa-f]{0,5}|[0-9A-Fa-f]{7,})[;"]`)

// svgTexts checks that f is well-formed XML and returns its text content.
func svgTexts(t *testing.T, f string) string {
	t.Helper()
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if bad := badColour.FindString(string(b)); bad != "" {
		t.Errorf("%s: invalid colour %s", f, bad)
	}
	dec := xml.NewDecoder(strings.NewReader(string(b)))
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", f, err)
		}
		if c, ok := tok.(xml.CharData); ok {
			text.Write(c)
			text.WriteByte('|')
		}
	}
	return text.String()
}

// TestPlots draws one-key sweeps of each axis kind, a two-key sweep and a
// sweep-less run, and checks the SVG: well-formed, valid colours, the axis
// label with its unit, a legend entry for every close type that occurred
// and none for those that did not.
func TestPlots(t *testing.T) {
	cases := []struct {
		name   string
		keys   []string
		rows   [][]string
		x      string
		want   []string
		absent []string
	}{
		{"duration sweep", []string{"close_delay"}, [][]string{{"0ms", "three"}, {"40ms", "half"}, {"80ms", "four"}}, "",
			[]string{"three-way", "four-way", "close_delay (ms)", "sweep"}, []string{"simultaneous", "fin-rst", "timeout"}},
		{"unsorted durations with a bare 0", []string{"close_delay"}, [][]string{{"1s", "three"}, {"0", "half"}, {"500ms", "four"}}, "close_delay",
			[]string{"close_delay (ms)"}, []string{"rst"}},
		{"numbers", []string{"link.loss"}, [][]string{{"0", "three"}, {"0.01", "half"}, {"0.1", "four"}}, "",
			[]string{"link.loss", "three-way", "four-way"}, []string{"link.loss ("}},
		{"sizes", []string{"send"}, [][]string{{"100B", "three"}, {"64KiB", "four"}}, "",
			[]string{"send (bytes)"}, nil},
		{"rates", []string{"link.rate"}, [][]string{{"10Mbit", "three"}, {"1Gbit", "four"}}, "",
			[]string{"link.rate (Mbit/s)"}, nil},
		{"two keys", []string{"close_delay", "profile"}, [][]string{{"0ms", "linux", "three"}, {"0ms", "freebsd", "four"}, {"50ms", "linux", "four"}, {"50ms", "freebsd", "four"}}, "close_delay",
			[]string{"three-way (profile=linux)", "four-way (profile=linux)", "four-way (profile=freebsd)", "close_delay (ms)"},
			[]string{"rst", "simultaneous"}},
		{"two keys, x the second", []string{"close_delay", "profile"}, [][]string{{"0ms", "linux", "three"}, {"0ms", "freebsd", "four"}, {"50ms", "linux", "four"}, {"50ms", "freebsd", "four"}}, "profile",
			[]string{"three-way (close_delay=0ms)", "four-way (close_delay=50ms)", "linux", "freebsd"}, []string{"(profile="}},
		{"categorical", []string{"profile"}, [][]string{{"linux", "three"}, {"freebsd", "four"}, {"windows", "four"}}, "profile",
			[]string{"linux", "freebsd", "windows", "three-way", "four-way"}, []string{"timeout", "(ms)"}},
		{"no sweep", nil, [][]string{{"half"}}, "", []string{"all runs", "three-way", "four-way"}, []string{"incomplete"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := summary(t, c.keys, c.rows)
			s, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "plot.svg")
			if err := Plot(s, Options{X: c.x, Out: out}); err != nil {
				t.Fatal(err)
			}
			text := svgTexts(t, out)
			for _, w := range c.want {
				if !strings.Contains(text, "|"+w) && !strings.Contains(text, w+"|") {
					t.Errorf("no %q in the plot's text: %s", w, text)
				}
			}
			for _, a := range c.absent {
				if strings.Contains(text, a) {
					t.Errorf("%q is in the plot but never occurred", a)
				}
			}
		})
	}
}

// TestPlotDefaults: without --out the plot goes to DIR/plot.svg, and the
// same input gives the same bytes.
func TestPlotDefaults(t *testing.T) {
	dir := summary(t, []string{"close_delay", "profile"}, [][]string{{"0ms", "linux", "three"}, {"0ms", "freebsd", "half"}, {"50ms", "linux", "four"}, {"50ms", "freebsd", "four"}})
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := Plot(s, Options{}); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(filepath.Join(dir, "plot.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Plot(s, Options{Out: filepath.Join(dir, "again.svg")}); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(filepath.Join(dir, "again.svg"))
	if !bytes.Equal(first, again) {
		t.Error("two plots of the same summary differ")
	}
	svgTexts(t, filepath.Join(dir, "plot.svg"))
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestLoadEmptyFractions: a point without runs has empty fractions in
// summary.csv; it loads as NaN and the plot leaves it out.
func TestLoadEmptyFractions(t *testing.T) {
	dir := summary(t, []string{"d"}, [][]string{{"1ms", "three"}, {"2ms", "four"}})
	path := filepath.Join(dir, "summary.csv")
	b, _ := os.ReadFile(path)
	lines := strings.Split(string(b), "\n")
	f := strings.Split(lines[2], ",")
	for i := 3; i < 3+4*results.NumCloseTypes; i++ {
		if (i-3)%4 == 0 {
			f[i] = "0"
		} else {
			f[i] = ""
		}
	}
	f[2] = "0"
	lines[2] = strings.Join(f, ",")
	os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Rows[1]; r.Runs != 0 || !math.IsNaN(r.Frac[results.FourWay]) || !math.IsNaN(r.Hi[results.ThreeWay]) {
		t.Errorf("row without runs: %+v", r)
	}
	if err := Plot(s, Options{}); err != nil {
		t.Fatal(err)
	}
	if text := svgTexts(t, filepath.Join(dir, "plot.svg")); strings.Contains(text, "four-way") {
		t.Error("four-way is in the legend though only a point without runs had it")
	}
}

// TestPlotErrors checks the exact messages users see (after "emu ").
func TestPlotErrors(t *testing.T) {
	dir := summary(t, []string{"d"}, [][]string{{"1ms", "three"}})
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := Plot(s, Options{X: "nope", Out: filepath.Join(dir, "p.svg")}); err == nil || err.Error() != `plot: "nope" is not a sweep key of sweep (sweep keys: d)` {
		t.Errorf("unknown key: %v", err)
	}
	none := summary(t, nil, [][]string{{"three"}})
	s0, _ := Load(none)
	if err := Plot(s0, Options{X: "d"}); err == nil || err.Error() != `plot: "d" is not a sweep key of sweep (it has no sweep keys)` {
		t.Errorf("unknown key without sweep: %v", err)
	}
	empty := t.TempDir()
	want := "plot: open " + filepath.Join(empty, "summary.csv") + ": no such file or directory (is " + empty + " the output folder of 'emu run'?)"
	if _, err := Load(empty); err == nil || err.Error() != want || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v\nwant %s", err, want)
	}
	if err := Plot(s, Options{Out: filepath.Join(dir, "no", "such", "dir", "p.svg")}); err == nil || !strings.HasPrefix(err.Error(), "plot: create ") {
		t.Errorf("unwritable output: %v", err)
	}

	good, _ := os.ReadFile(filepath.Join(dir, "summary.csv"))
	lines := strings.Split(strings.TrimSpace(string(good)), "\n")
	path := filepath.Join(empty, "summary.csv")
	for _, c := range []struct {
		name, content, want string
	}{
		{"empty", "", path + ":1: empty file, not a summary.csv"},
		{"runs.csv", "point,run,seed,d,close_type\n0,0,1,1ms,three-way\n", path + ":1: not a summary.csv (it starts with point, the sweep keys, runs)"},
		{"missing column", strings.Replace(lines[0], ",ci_hi_no_connect", ",ci_hi_nope", 1) + "\n" + lines[1], path + ":1: no ci_hi_no_connect column"},
		{"header only", lines[0] + "\n", path + ": no sweep points"},
		{"bad fraction", lines[0] + "\n" + lines[1] + "\n" + strings.Replace(lines[1], ",20,1,", ",20,x,", 1), path + `:3: frac_three_way: "x" is not a fraction`},
		{"bad count", lines[0] + "\n" + strings.Replace(lines[1], "0,1ms,20,", "0,1ms,lots,", 1), path + `:2: runs: "lots" is not a count`},
		{"short row", lines[0] + "\n" + lines[1] + "\n0,1ms,20\n", path + ":3: wrong number of fields"},
		{"bad quote", lines[0] + "\n" + `0,"1ms,20` + "\n", path + `:2: extraneous or missing " in quoted-field`},
	} {
		os.WriteFile(path, []byte(c.content), 0o644)
		if _, err := Load(empty); err == nil || err.Error() != c.want {
			t.Errorf("%s: %v\nwant %s", c.name, err, c.want)
		}
	}
}

// TestPlotStates draws a states.csv time series, and names the columns it
// has when asked for one it does not.
func TestPlotStates(t *testing.T) {
	dir := summary(t, []string{"connections.every"}, [][]string{{"1ms", "three"}, {"2ms", "three"}})
	states := "point,run,time_ms,host,syn_sent,syn_received,established,fin_wait_1,fin_wait_2,close_wait,closing,last_ack,time_wait\n" +
		"0,0,0,client,1,0,0,0,0,0,0,0,0\n0,0,1000,client,0,0,2,0,0,0,0,0,900\n0,0,1000,server,0,0,2,0,0,0,0,0,0\n" +
		"1,0,0,client,1,0,0,0,0,0,0,0,0\n1,0,1000,client,0,0,1,0,0,0,0,0,450\n1,1,0,client,1,0,0,0,0,0,0,0,0\n"
	os.WriteFile(filepath.Join(dir, "states.csv"), []byte(states), 0o644)
	out := filepath.Join(dir, "s.svg")
	if err := PlotStates(dir, "time_wait", "client", out); err != nil {
		t.Fatal(err)
	}
	text := svgTexts(t, out)
	for _, w := range []string{"connections.every=1ms", "connections.every=2ms", "TIME_WAIT", "time (s)"} {
		if !strings.Contains(text, w) {
			t.Errorf("no %q in %s", w, text)
		}
	}
	if err := PlotStates(dir, "timewait", "client", out); err == nil || !strings.Contains(err.Error(), "fin_wait_1") {
		t.Errorf("unknown state: %v", err)
	}
}
