package plot

import (
	"math"
	"slices"
	"strconv"

	gplot "gonum.org/v1/plot"
)

// valueTicks puts the x axis's ticks at the swept values themselves, which
// is what a reader looks for, when there are few enough and they are far
// enough apart for their labels not to collide; otherwise gonum's
// evenly spaced ticks.
type valueTicks struct {
	values []float64 // distinct, sorted
}

// maxValueTicks is the most swept values labelled one by one.
const maxValueTicks = 12

// newValueTicks returns ticks at xs when they suit (see valueTicks), or nil.
func newValueTicks(xs []float64) gplot.Ticker {
	v := slices.Clone(xs)
	slices.Sort(v)
	v = slices.Compact(v)
	if len(v) < 2 || len(v) > maxValueTicks {
		return nil
	}
	span := v[len(v)-1] - v[0]
	// Labels of up to six characters at 11 pt need about a twelfth of
	// the axis each.
	for i := 1; i < len(v); i++ {
		if v[i]-v[i-1] < span/12 {
			return nil
		}
	}
	return valueTicks{v}
}

// Ticks implements plot.Ticker: a labelled tick at each value, and
// unlabelled minor ticks from gonum's default between them.
func (t valueTicks) Ticks(min, max float64) []gplot.Tick {
	var out []gplot.Tick
	for _, v := range t.values {
		if v >= min && v <= max {
			out = append(out, gplot.Tick{Value: v, Label: formatTick(v)})
		}
	}
	return out
}

// formatTick writes a number as short as it can be read: 0.05, 40, 1e+06.
func formatTick(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e6 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// fractionTicks labels a fraction axis at every fifth, as percentages of
// runs read more easily than fractions.
type fractionTicks struct{}

// Ticks implements plot.Ticker.
func (fractionTicks) Ticks(min, max float64) []gplot.Tick {
	var out []gplot.Tick
	for i := 0; i <= 10; i++ {
		v := float64(i) / 10
		if v < min || v > max {
			continue
		}
		label := ""
		if i%2 == 0 {
			label = strconv.Itoa(i*10) + "%"
		}
		out = append(out, gplot.Tick{Value: v, Label: label})
	}
	return out
}

// niceTicks puts about five labelled ticks at round steps (1, 2, 2.5 or 5
// times a power of ten) and unlabelled ones halfway, where gonum's default
// can pick steps such as 1500 that a reader has to add up.
type niceTicks struct{}

// niceStep is the round step that cuts span into about n parts.
func niceStep(span float64, n int) float64 {
	if span <= 0 || math.IsNaN(span) || math.IsInf(span, 0) {
		return 1
	}
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

// Ticks implements plot.Ticker.
func (niceTicks) Ticks(min, max float64) []gplot.Tick {
	step := niceStep(max-min, 5)
	var out []gplot.Tick
	first := math.Ceil(min/step) * step
	for i := 0; ; i++ {
		v := first + float64(i)*step
		if v > max+step*1e-9 {
			break
		}
		// Round away float noise (0.30000000000000004).
		v = math.Round(v/step*1e6) / 1e6 * step
		out = append(out, gplot.Tick{Value: v, Label: formatTick(v)})
		if h := v + step/2; h <= max {
			out = append(out, gplot.Tick{Value: h})
		}
	}
	if first-step/2 >= min {
		out = append(out, gplot.Tick{Value: first - step/2})
	}
	return out
}
