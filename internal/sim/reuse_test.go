package sim

import (
	"slices"
	"testing"

	"github.com/emu-sim/emu/results"
)

// TestStatsArray: the fixed-size form holds the columns of ExtraColumns in
// their order, as Values does.
func TestStatsArray(t *testing.T) {
	if len(ExtraColumns) != NumExtraColumns {
		t.Fatalf("%d extra columns, NumExtraColumns %d", len(ExtraColumns), NumExtraColumns)
	}
	s := Stats{Connections: 7, ConnectionsFailed: 2, PeakTimeWait: 5}
	s.CloseTypes[results.FourWay] = 4
	s.CloseTypes[results.NoConnect] = 2
	a := s.Array()
	if !slices.Equal(a[:], s.Values()) {
		t.Errorf("Array() = %v, Values() = %v", a, s.Values())
	}
	if a[0] != 7 || a[1] != 2 || a[2] != 5 || a[3+int(results.FourWay)] != 4 || a[3+int(results.NoConnect)] != 2 {
		t.Errorf("Array() = %v", a)
	}
}
