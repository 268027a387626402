package plot

import (
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
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

// svgTexts checks that f is well-formed XML and returns its text content.
func svgTexts(t *testing.T, f string) string {
	t.Helper()
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
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
			[]string{"three-way", "four-way", "close_delay (ms)"}, []string{"simultaneous", "fin-rst"}},
		{"two keys", []string{"close_delay", "profile"}, [][]string{{"0ms", "linux", "three"}, {"0ms", "freebsd", "four"}, {"50ms", "linux", "four"}, {"50ms", "freebsd", "four"}}, "close_delay",
			[]string{"three-way (profile=linux)", "four-way (profile=freebsd)"}, []string{"rst"}},
		{"categorical", []string{"profile"}, [][]string{{"linux", "three"}, {"freebsd", "four"}, {"windows", "four"}}, "profile",
			[]string{"linux", "freebsd", "windows", "three-way"}, []string{"timeout"}},
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
			if err := Plot(s, c.x, out); err != nil {
				t.Fatal(err)
			}
			text := svgTexts(t, out)
			for _, w := range c.want {
				if !strings.Contains(text, w) {
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

func TestPlotErrors(t *testing.T) {
	dir := summary(t, []string{"d"}, [][]string{{"1ms", "three"}})
	s, _ := Load(dir)
	if err := Plot(s, "nope", filepath.Join(dir, "p.svg")); err == nil || err.Error() != `plot: "nope" is not a sweep key of sweep (sweep keys: d)` {
		t.Errorf("unknown key: %v", err)
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "summary.csv: no such file") {
		t.Errorf("missing file: %v", err)
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
