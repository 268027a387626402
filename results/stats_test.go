package results

import (
	"math"
	"testing"
	"time"
)

// The Wilson bounds below were computed by hand from
//
//	center = (p + z²/2n) / (1 + z²/n)
//	half   = z / (1 + z²/n) · sqrt(p(1-p)/n + z²/4n²)
//
// with z = 1.959963984540054 (the 97.5% normal quantile).
func TestWilson(t *testing.T) {
	if math.Abs(wilsonZ-1.959963984540054) > 1e-12 {
		t.Fatalf("z = %v", wilsonZ)
	}
	for _, c := range []struct {
		k, n   int
		lo, hi float64
	}{
		{0, 10, 0, 0.2775327998628892},
		{5, 10, 0.236593090512564, 0.7634069094874361},
		{10, 10, 0.7224672001371107, 1},
		{1, 3, 0.06149194472039615, 0.7923403991979523},
	} {
		lo, hi := Wilson(c.k, c.n)
		if math.Abs(lo-c.lo) > 1e-12 || math.Abs(hi-c.hi) > 1e-12 {
			t.Errorf("Wilson(%d, %d) = [%v, %v], want [%v, %v]", c.k, c.n, lo, hi, c.lo, c.hi)
		}
	}
	if lo, hi := Wilson(0, 0); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("Wilson(0, 0) = [%v, %v], want NaN", lo, hi)
	}
	if lo, hi := Wilson(0, 10); lo != 0 || hi >= 1 {
		t.Errorf("Wilson(0, 10) lower bound %v, want exactly 0", lo)
	}
	if _, hi := Wilson(10, 10); hi != 1 {
		t.Errorf("Wilson(10, 10) upper bound %v, want exactly 1", hi)
	}
}

// accumulate returns the summary of outcomes with the given teardown times
// in ms (negative: no teardown).
func accumulate(teardownsMs ...float64) PointSummary {
	a := NewAccumulator(3, []string{"40ms"})
	for _, x := range teardownsMs {
		o := Outcome{CloseType: FourWay}
		if x >= 0 {
			o.HasTeardown = true
			o.Teardown = time.Duration(math.Round(x * 1e6))
		}
		a.Add(&o)
	}
	return a.Summary()
}

// Quantiles are stat.Empirical: the smallest observation with at least a
// fraction p of the sample at or below it.
func TestTeardownQuantiles(t *testing.T) {
	for _, c := range []struct {
		name                string
		sample              []float64
		mean, p50, p95, p99 float64
	}{
		// 10 values: p50 → 5th (50), p95 → 10th since 9.5 rounds up, p99 → 10th.
		{"ten", []float64{100, 10, 90, 20, 80, 30, 70, 40, 60, 50}, 55, 50, 100, 100},
		// Clustered on a timer: p50 → 3rd of 5 (2.5 rounds up), p95 → 5th.
		{"clustered", []float64{40, 44, 40, 48, 40}, 42.4, 40, 48, 48},
		// 20 values 1..20: p95 = 0.95·20 = 19 exactly → 19th; p99 → 20th.
		{"twenty", seq(1, 20), 10.5, 10, 19, 20},
		// Runs without a teardown do not count.
		{"some without", []float64{-1, 40.125, -1, 40.5}, 40.313, 40.125, 40.5, 40.5},
		// Mean rounded to the µs, half away from zero: 0.0015 → 0.002.
		{"round mean", []float64{0.001, 0.002}, 0.002, 0.001, 0.002, 0.002},
	} {
		s := accumulate(c.sample...)
		got := [4]float64{s.TeardownMsMean, s.TeardownMsP50, s.TeardownMsP95, s.TeardownMsP99}
		want := [4]float64{c.mean, c.p50, c.p95, c.p99}
		for i := range got {
			if math.Abs(got[i]-want[i]) > 1e-9 {
				t.Errorf("%s: mean,p50,p95,p99 = %v, want %v", c.name, got, want)
				break
			}
		}
	}
	s := accumulate(-1, -1)
	for _, v := range []float64{s.TeardownMsMean, s.TeardownMsP50, s.TeardownMsP95, s.TeardownMsP99, s.TimeWaitMsMean} {
		if !math.IsNaN(v) {
			t.Errorf("no teardown: got %v, want NaN", v)
		}
	}
}

func seq(from, to int) []float64 {
	var xs []float64
	for i := from; i <= to; i++ {
		xs = append(xs, float64(i))
	}
	return xs
}

func TestSummaryCountsAndMeans(t *testing.T) {
	a := NewAccumulator(0, nil)
	outcomes := []Outcome{
		{CloseType: ThreeWay, HasTeardown: true, Teardown: 40 * time.Millisecond, TimeWaitSide: ClientSide, TimeWait: time.Minute},
		{CloseType: ThreeWay, HasTeardown: true, Teardown: 40 * time.Millisecond, TimeWaitSide: ClientSide, TimeWait: 30 * time.Second, Retransmits: 2},
		{CloseType: FourWay, HasTeardown: true, Teardown: 90 * time.Millisecond, Retransmits: 1},
		{CloseType: NoConnect},
	}
	for i := range outcomes {
		a.Add(&outcomes[i])
	}
	s := a.Summary()
	if s.Runs != 4 || s.Types[ThreeWay].N != 2 || s.Types[FourWay].N != 1 || s.Types[NoConnect].N != 1 || s.Types[RST].N != 0 {
		t.Fatalf("counts: %+v", s)
	}
	if s.Types[ThreeWay].Frac != 0.5 || s.Types[RST].Frac != 0 {
		t.Errorf("fractions: %v %v", s.Types[ThreeWay].Frac, s.Types[RST].Frac)
	}
	if s.TimeWaitMsMean != 45000 || s.RetransmitsMean != 0.75 || s.TeardownMsMean != 56.667 {
		t.Errorf("means: time_wait %v retransmits %v teardown %v", s.TimeWaitMsMean, s.RetransmitsMean, s.TeardownMsMean)
	}

	// Accumulating in two shards and merging gives the same summary.
	x, y := NewAccumulator(0, nil), NewAccumulator(0, nil)
	x.Add(&outcomes[3])
	x.Add(&outcomes[0])
	y.Add(&outcomes[2])
	y.Add(&outcomes[1])
	if err := y.Merge(x); err != nil {
		t.Fatal(err)
	}
	if got := y.Summary(); !sameSummary(got, s) {
		t.Errorf("merged summary differs:\n got %+v\nwant %+v", got, s)
	}
	if err := y.Merge(NewAccumulator(1, nil)); err == nil {
		t.Error("merging different points: no error")
	}
}

// sameSummary compares summaries field by field, NaN equal to NaN.
func sameSummary(a, b PointSummary) bool {
	return summaryRow(&a) == summaryRow(&b)
}

// summaryRow joins a summary row, for comparisons.
func summaryRow(s *PointSummary) string {
	out := ""
	for _, f := range SummaryRecord(s) {
		out += f + ","
	}
	return out
}
