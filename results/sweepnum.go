package results

import (
	"math"
	"strconv"
	"time"

	"github.com/emu-sim/emu/internal/units"
)

// SweepNumber is a swept parameter as a number in a fixed unit, for tools
// that cannot parse "40ms" or "64KiB": the later summary column
// <key>_ms (durations), <key>_bytes (sizes) or <key>_bps (rates, bits per
// second), with one value per point.
type SweepNumber struct {
	Name   string
	Values []float64
}

// SweepNumbers returns the typed columns of the sweep keys whose values
// are all durations, all sizes or all rates, in the order of the keys. A
// key whose values are plain numbers already is numeric and gets none;
// one with any other value (a distribution, a name) gets none either.
func SweepNumbers(keys []string, points []PointSummary) []SweepNumber {
	var out []SweepNumber
	for k, key := range keys {
		vals := make([]string, len(points))
		for i := range points {
			vals[i] = points[i].SweepValues[k]
		}
		if len(vals) == 0 || allParse(vals, plainNumber) != nil {
			continue
		}
		readings := []struct {
			suffix string
			parse  func(string) (float64, error)
		}{
			{"_ms", func(s string) (float64, error) {
				d, err := units.ParseDuration(s)
				return float64(d) / float64(time.Millisecond), err
			}},
			{"_bytes", func(s string) (float64, error) {
				n, err := units.ParseSize(s)
				return float64(n), err
			}},
			{"_bps", func(s string) (float64, error) {
				n, err := units.ParseRate(s)
				return float64(n), err
			}},
		}
		for _, r := range readings {
			if xs := allParse(vals, r.parse); xs != nil {
				out = append(out, SweepNumber{Name: key + r.suffix, Values: xs})
				break
			}
		}
	}
	return out
}

// allParse returns every value parsed, or nil if one does not parse.
func allParse(vals []string, parse func(string) (float64, error)) []float64 {
	xs := make([]float64, len(vals))
	for i, v := range vals {
		x, err := parse(v)
		if err != nil {
			return nil
		}
		xs[i] = x
	}
	return xs
}

// plainNumber parses a finite number without a unit.
func plainNumber(s string) (float64, error) {
	x, err := strconv.ParseFloat(s, 64)
	if err == nil && (math.IsNaN(x) || math.IsInf(x, 0)) {
		err = strconv.ErrSyntax
	}
	return x, err
}
