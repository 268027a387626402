package results

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Confidence is the coverage of the intervals in summary.csv.
const Confidence = 0.95

// wilsonZ is the two-sided standard normal quantile for Confidence
// (≈ 1.959964).
var wilsonZ = distuv.UnitNormal.Quantile(1 - (1-Confidence)/2)

// Wilson returns the Wilson score interval for k successes in n trials at
// the package's Confidence. Wilson rather than the normal ("Wald")
// interval because close types are often rare or near-certain at a sweep
// point, where Wald collapses to [0,0] or [1,1] and Wilson stays honest.
// For n == 0 both bounds are NaN (undefined); k == 0 gives lo = 0 and
// k == n gives hi = 1 exactly.
func Wilson(k, n int) (lo, hi float64) {
	if n <= 0 || k < 0 || k > n {
		return math.NaN(), math.NaN()
	}
	z := wilsonZ
	nf := float64(n)
	p := float64(k) / nf
	d := 1 + z*z/nf
	center := (p + z*z/(2*nf)) / d
	half := z / d * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf))
	lo, hi = max(center-half, 0), min(center+half, 1)
	if k == 0 {
		lo = 0
	}
	if k == n {
		hi = 1
	}
	return lo, hi
}

// Quantiles are taken with gonum's stat.Empirical: the smallest observed
// value x such that at least a fraction p of the observations are ≤ x (the
// inverse of the empirical CDF, Hyndman and Fan's type 1, no
// interpolation). Teardown times cluster on timer values (40 ms, 200 ms,
// an RTO); an interpolated quantile would report times no run had.

// TypeSummary is the count of one close type at a sweep point, its
// fraction of the point's runs and the Wilson interval of that fraction.
type TypeSummary struct {
	N          int
	Frac       float64 // N/runs; NaN when the point has no runs
	CILo, CIHi float64 // 95% Wilson score interval; NaN when the point has no runs
}

// ExtraStat is a later summary column: its name and value.
type ExtraStat struct {
	Name  string
	Value float64
}

// PointSummary is the row of summary.csv (and the element of summary.json)
// for one sweep point. Statistics that are undefined (no run had a
// teardown, no run held TIME_WAIT) are NaN. Times are in milliseconds,
// rounded to the microsecond.
type PointSummary struct {
	Point       int
	SweepValues []string
	Runs        int
	Types       [NumCloseTypes]TypeSummary // indexed by CloseType

	// Teardown statistics over the runs that had a teardown
	// (Outcome.HasTeardown). The quantiles are stat.Empirical: the smallest
	// observed teardown time with at least that fraction of those runs at
	// or below it, never an interpolated time no run had.
	TeardownMsMean, TeardownMsP50, TeardownMsP95, TeardownMsP99 float64

	// TimeWaitMsMean is the mean of Outcome.TimeWait over the runs in which
	// some side held TIME_WAIT: runs without TIME_WAIT would only dilute it
	// by the fraction of such runs, which the close-type columns show.
	TimeWaitMsMean float64

	// RetransmitsMean is the mean number of retransmitted segments per run,
	// over all runs.
	RetransmitsMean float64

	// Extra are later columns of summary.csv, after the contract's: means
	// of the extra runs.csv columns, named by the caller. Every point of a
	// file has the same names.
	Extra []ExtraStat
}

// Accumulator gathers the outcomes of one sweep point. Its memory is
// bounded by the number of distinct teardown times (to the microsecond),
// not by the number of runs, and the result does not depend on the order
// of Add calls, so shards can be accumulated apart and merged.
type Accumulator struct {
	point       int
	sweepValues []string

	runs        int
	counts      [NumCloseTypes]int
	teardown    map[int64]int64 // µs → number of runs; read only through sorted keys
	teardownN   int64
	teardownSum int64 // µs
	timeWaitN   int64
	timeWaitSum int64 // µs
	retransmits int64
}

// NewAccumulator returns an empty accumulator for the sweep point with
// index point and the given sweep values (copied).
func NewAccumulator(point int, sweepValues []string) *Accumulator {
	return &Accumulator{
		point:       point,
		sweepValues: slices.Clone(sweepValues),
		teardown:    make(map[int64]int64),
	}
}

// Point returns the sweep point index the accumulator was made for.
func (a *Accumulator) Point() int { return a.point }

// Add counts one run's outcome.
func (a *Accumulator) Add(o *Outcome) {
	a.runs++
	if int(o.CloseType) < NumCloseTypes {
		a.counts[o.CloseType]++
	}
	if o.HasTeardown {
		us := Micros(o.Teardown)
		a.teardown[us]++
		a.teardownN++
		a.teardownSum += us
	}
	if o.TimeWaitSide != NoSide {
		a.timeWaitN++
		a.timeWaitSum += Micros(o.TimeWait)
	}
	a.retransmits += int64(o.Retransmits)
}

// Merge adds the outcomes counted by b (the same point, accumulated by
// another shard) to a.
func (a *Accumulator) Merge(b *Accumulator) error {
	if a.point != b.point || !slices.Equal(a.sweepValues, b.sweepValues) {
		return fmt.Errorf("merge statistics: point %d %v with point %d %v", a.point, a.sweepValues, b.point, b.sweepValues)
	}
	a.runs += b.runs
	for i := range a.counts {
		a.counts[i] += b.counts[i]
	}
	for us, n := range b.teardown {
		a.teardown[us] += n // order-independent: sums of integers
	}
	a.teardownN += b.teardownN
	a.teardownSum += b.teardownSum
	a.timeWaitN += b.timeWaitN
	a.timeWaitSum += b.timeWaitSum
	a.retransmits += b.retransmits
	return nil
}

// Summary computes the point's statistics.
func (a *Accumulator) Summary() PointSummary {
	s := PointSummary{
		Point:       a.point,
		SweepValues: slices.Clone(a.sweepValues),
		Runs:        a.runs,
	}
	for t := range s.Types {
		ts := &s.Types[t]
		ts.N = a.counts[t]
		ts.Frac = math.NaN()
		if a.runs > 0 {
			ts.Frac = float64(ts.N) / float64(a.runs)
		}
		ts.CILo, ts.CIHi = Wilson(ts.N, a.runs)
	}
	s.TeardownMsMean = meanMs(a.teardownSum, a.teardownN)
	s.TeardownMsP50 = a.teardownQuantile(0.50)
	s.TeardownMsP95 = a.teardownQuantile(0.95)
	s.TeardownMsP99 = a.teardownQuantile(0.99)
	s.TimeWaitMsMean = meanMs(a.timeWaitSum, a.timeWaitN)
	s.RetransmitsMean = math.NaN()
	if a.runs > 0 {
		s.RetransmitsMean = float64(a.retransmits) / float64(a.runs)
	}
	return s
}

// teardownQuantile returns the p-quantile of the teardown times in ms
// (stat.Empirical, see above), or NaN when no run had a teardown.
func (a *Accumulator) teardownQuantile(p float64) float64 {
	if a.teardownN == 0 {
		return math.NaN()
	}
	keys := make([]int64, 0, len(a.teardown))
	for us := range a.teardown {
		keys = append(keys, us)
	}
	slices.Sort(keys)
	xs := make([]float64, len(keys))
	ws := make([]float64, len(keys))
	for i, us := range keys {
		xs[i] = float64(us)
		ws[i] = float64(a.teardown[us])
	}
	return stat.Quantile(p, stat.Empirical, xs, ws) / 1000
}

// meanMs returns sum/n for sum in µs as ms rounded to the microsecond (half
// away from zero), or NaN when n is 0.
func meanMs(sumUs, n int64) float64 {
	if n == 0 {
		return math.NaN()
	}
	return math.Round(float64(sumUs)/float64(n)) / 1000
}
