package netlink

import (
	"math"
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
)

func TestJitterDistributions(t *testing.T) {
	const n = 200_000
	tests := []struct {
		name     string
		j        Jitter
		min, max float64 // bounds every draw must respect
		wantMean float64
		wantSD   float64 // of one draw, for the tolerance of the mean
	}{
		{"none", Jitter{}, 0, 0, 0, 0},
		{"fixed", Jitter{Dist: JitterFixed, Value: 1234}, 1234, 1234, 1234, 0},
		{"uniform", Jitter{Dist: JitterUniform, Min: time.Millisecond, Max: 3 * time.Millisecond},
			1e6, 3e6, 2e6, 2e6 / math.Sqrt(12)},
		{"uniform degenerate", Jitter{Dist: JitterUniform, Min: 5000, Max: 5000}, 5000, 5000, 5000, 0},
		{"normal far from zero", Jitter{Dist: JitterNormal, Mean: 10 * time.Millisecond, Stddev: time.Millisecond},
			0, math.Inf(1), 1e7, 1e6},
		// Mean 0: the truncated normal is the half-normal, mean σ·sqrt(2/π).
		{"normal truncated at zero", Jitter{Dist: JitterNormal, Stddev: time.Millisecond},
			0, math.Inf(1), 1e6 * math.Sqrt(2/math.Pi), 1e6 * math.Sqrt(1-2/math.Pi)},
		{"normal without spread", Jitter{Dist: JitterNormal, Mean: 777}, 777, 777, 777, 0},
		{"exponential", Jitter{Dist: JitterExponential, Mean: 2 * time.Millisecond}, 0, math.Inf(1), 2e6, 2e6},
		{"exponential mean 0", Jitter{Dist: JitterExponential}, 0, 0, 0, 0},
		// Pareto(xm, α=3): mean α·xm/(α-1), variance xm²·α/((α-1)²(α-2)).
		{"pareto", Jitter{Dist: JitterPareto, Scale: time.Millisecond, Shape: 3},
			1e6, math.Inf(1), 1.5e6, 1e6 * math.Sqrt(3.0/4)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var g jitterGen
			g.reset(tc.j, engine.NewStream(1, ForwardComponent))
			sum := 0.0
			for range n {
				x := float64(g.draw())
				// Draws are rounded to whole nanoseconds.
				if x < math.Round(tc.min) || x > tc.max {
					t.Fatalf("draw %v outside [%v, %v]", x, tc.min, tc.max)
				}
				sum += x
			}
			m := sum / n
			// 5 standard errors, plus 1 ns for rounding.
			if tol := 5*tc.wantSD/math.Sqrt(n) + 1; math.Abs(m-tc.wantMean) > tol {
				t.Fatalf("mean %v, want %v ± %v", m, tc.wantMean, tol)
			}
		})
	}
}

func TestToTimeSaturates(t *testing.T) {
	tests := []struct {
		x    float64
		want engine.Time
	}{
		{0, 0}, {0.4, 0}, {0.5, 1}, {1.6, 2}, {1e18, 1e18},
		{1e19, engine.Never}, {math.Inf(1), engine.Never}, {math.NaN(), engine.Never}, {-3, 0},
	}
	for _, tc := range tests {
		if got := toTime(tc.x); got != tc.want {
			t.Errorf("toTime(%v) = %v, want %v", tc.x, got, tc.want)
		}
	}
}

func TestParetoTailDoesNotOverflowDelivery(t *testing.T) {
	// Shape 0.01 makes astronomically large draws likely; delivery times
	// saturate at Never instead of wrapping negative.
	cfg := cfgWith(func(c *Config) {
		c.Delay = time.Hour
		c.Jitter = Jitter{Dist: JitterPareto, Scale: time.Second, Shape: 0.01}
		c.Reorder = true
	})
	h := newHarness(t, cfg, 1)
	for i := range 100 {
		h.sendAt(0, i, 100)
	}
	h.s.Run(engine.Limits{Horizon: 1})
	for _, e := range h.events {
		if e.DeliverAt < engine.Time(time.Hour+time.Second) {
			t.Fatalf("delivery %v before delay + scale", e.DeliverAt)
		}
	}
}
