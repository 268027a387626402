package ladder

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/internal/runner"
	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/scenarios"
)

// exampleTrace runs run 0 of a point of a built-in example, as emu trace does.
func exampleTrace(t *testing.T, name string, point int) *results.Trace {
	t.Helper()
	b, _ := scenarios.Builtin(name)
	s, err := scenarios.Load(name, b)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := s.Points()
	if err != nil {
		t.Fatal(err)
	}
	plan := runner.NewPlan(pts, "test", 0, 0, false)
	w := sim.NewWorker()
	tr := &results.Trace{}
	w.SetTrace(tr)
	if _, err := w.Run(plan.Points[point].Params, point, 0, engine.RunSeed(plan.Seed, point, 0)); err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestExampleLadders: golden ladders of the built-in examples, one per way a
// connection ends (rewrite with -update after reading the change).
func TestExampleLadders(t *testing.T) {
	cases := []struct {
		example string
		point   int
		close   string
	}{
		{"delayed-ack-boundary", 0, "three-way"},
		{"delayed-ack-boundary", 14, "four-way"},
		{"close-with-unread-data", 0, "rst"},
		{"data-after-close", 0, "fin-rst"},
		{"simultaneous-close", 2, "simultaneous"},
		{"half-close", 0, "four-way"},
		{"linger-abort", 1, "rst"},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%s-%d", c.example, c.point)
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, exampleTrace(t, c.example, c.point), Options{}); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "examples", name+".txt")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				os.WriteFile(golden, b.Bytes(), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("ladder differs from %s:\n%s", golden, b.String())
			}
			if !strings.Contains(b.String(), "close type: "+c.close+" ") {
				t.Errorf("not a %s close:\n%s", c.close, b.String())
			}
		})
	}
}
