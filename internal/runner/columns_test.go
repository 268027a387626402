package runner

import (
	"strings"
	"testing"

	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/scenarios"
)

// TestVarsNamedLikeColumns: every column runs.csv and summary.csv have
// whatever the sweep (the contract's, the later ones and their means) is
// refused as a var name, so that a swept var never duplicates a column.
// A new column that scenarios does not know of fails here.
func TestVarsNamedLikeColumns(t *testing.T) {
	var cols []string
	cols = append(cols, results.RunsHeader(nil)...)
	cols = append(cols, sim.ExtraColumns...)
	cols = append(cols, results.SummaryHeader(nil)...)
	for _, c := range sim.ExtraColumns {
		cols = append(cols, c+"_mean")
	}
	for _, c := range cols {
		src := "name: x\nvars: {" + c + ": 1ms}\nclient: {do: [connect, {sleep: '${" + c + "}'}, close]}\nserver: {do: [accept, close]}\nsweep: {" + c + ": [1ms, 2ms]}\n"
		_, err := scenarios.Load("t.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), "named like a column") {
			t.Errorf("var %q: got %v, want it refused", c, err)
		}
	}
}
