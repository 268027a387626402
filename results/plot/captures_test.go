package plot

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emu-sim/emu/results"
)

// TestLoadCaptures: an `emu classify` folder plots its files as the values
// of a key "file", without the row over all files; with no file rows left
// (not possible from emu, but a hand-edited file) the total is used.
func TestLoadCaptures(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "classify-web")
	os.MkdirAll(dir, 0o755)
	a, b, all := results.NewAccumulator(0, nil), results.NewAccumulator(0, nil), results.NewAccumulator(0, nil)
	for i := 0; i < 4; i++ { // a: 3 three-way, 1 rst; b: 2 four-way
		o := results.Outcome{CloseType: results.ThreeWay}
		if i == 3 {
			o.CloseType = results.RST
		}
		a.Add(&o)
		all.Add(&o)
	}
	for i := 0; i < 2; i++ {
		o := results.Outcome{CloseType: results.FourWay}
		b.Add(&o)
		all.Add(&o)
	}
	rows := []results.FileSummary{results.NewFileSummary("monday.pcap", a), results.NewFileSummary("tuesday.pcapng", b), results.NewFileSummary(results.AllFiles, all)}
	if err := results.WriteFileAtomic(filepath.Join(dir, "summary.csv"), func(w io.Writer) error {
		return results.WriteCaptureSummaryCSV(w, rows)
	}); err != nil {
		t.Fatal(err)
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Keys) != 1 || s.Keys[0] != "file" || len(s.Rows) != 2 {
		t.Fatalf("keys %q, %d rows; want [file] and 2 rows", s.Keys, len(s.Rows))
	}
	if r := s.Rows[0]; r.Values[0] != "monday.pcap" || r.Runs != 4 || r.N[results.ThreeWay] != 3 || r.Frac[results.RST] != 0.25 {
		t.Errorf("row 0: %+v", r)
	}
	if r := s.Rows[1]; r.Values[0] != "tuesday.pcapng" || r.Runs != 2 || r.Frac[results.FourWay] != 1 {
		t.Errorf("row 1: %+v", r)
	}
	out := filepath.Join(dir, "plot.svg")
	if err := Plot(s, Options{Out: out}); err != nil {
		t.Fatal(err)
	}
	text := svgTexts(t, out)
	for _, want := range []string{"monday.pcap", "tuesday.pcapng", "three-way", "four-way", "rst"} {
		if !strings.Contains(text, want) {
			t.Errorf("plot has no %q", want)
		}
	}
}
