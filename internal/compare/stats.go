// Package compare tests whether two run folders of the same scenario (emu
// run against emu kernel, say) give the same close-type distribution at
// each sweep point.
package compare

import (
	"math"

	"gonum.org/v1/gonum/stat/combin"
	"gonum.org/v1/gonum/stat/distuv"
)

// Method names the test used at a point.
type Method string

// The tests: none when both folders saw one and the same close type only
// (or a folder has no runs), Fisher's exact test for a 2×2 table, Pearson's
// chi-square test of homogeneity for 2×k.
const (
	MethodNone      Method = "none"
	MethodFisher    Method = "fisher"
	MethodChiSquare Method = "chi-square"
)

// Homogeneity tests whether two samples of a categorical outcome, given as
// counts per category (a[i] and b[i] count the same category), come from
// the same distribution. Categories empty in both are ignored. It returns
// the test used and its p-value.
func Homogeneity(a, b []int) (Method, float64) {
	var ca, cb []float64
	na, nb := 0, 0
	for i := range a {
		if a[i]+b[i] == 0 {
			continue
		}
		ca, cb = append(ca, float64(a[i])), append(cb, float64(b[i]))
		na += a[i]
		nb += b[i]
	}
	if len(ca) < 2 || na == 0 || nb == 0 {
		return MethodNone, 1
	}
	if len(ca) == 2 {
		return MethodFisher, Fisher(int(ca[0]), int(ca[1]), int(cb[0]), int(cb[1]))
	}
	n := float64(na + nb)
	stat := 0.0
	for i := range ca {
		col := ca[i] + cb[i]
		for _, o := range []struct{ obs, row float64 }{{ca[i], float64(na)}, {cb[i], float64(nb)}} {
			e := o.row * col / n
			stat += (o.obs - e) * (o.obs - e) / e
		}
	}
	df := float64(len(ca) - 1)
	return MethodChiSquare, distuv.ChiSquared{K: df}.Survival(stat)
}

// Fisher returns the two-sided p-value of Fisher's exact test for the 2×2
// table [[a, b], [c, d]] (rows: the two samples; columns: the two
// outcomes): the probability, with the margins fixed, of a table no more
// likely than the one observed (the usual "sum of small p" definition, as
// R's fisher.test). A relative tolerance of 1e-7 counts tables of equal
// probability as equal despite rounding.
func Fisher(a, b, c, d int) float64 {
	r1, c1, n := a+b, a+c, a+b+c+d
	logP := func(x int) float64 {
		return combin.LogGeneralizedBinomial(float64(c1), float64(x)) +
			combin.LogGeneralizedBinomial(float64(n-c1), float64(r1-x)) -
			combin.LogGeneralizedBinomial(float64(n), float64(r1))
	}
	obs := logP(a)
	lo, hi := max(0, r1+c1-n), min(r1, c1)
	p := 0.0
	for x := lo; x <= hi; x++ {
		if lp := logP(x); lp <= obs+1e-7 {
			p += math.Exp(lp)
		}
	}
	return min(p, 1)
}
