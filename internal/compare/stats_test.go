package compare

import (
	"math"
	"testing"
)

// Reference p-values computed by hand from the hypergeometric
// probabilities (and checked against R: fisher.test(matrix(...)) and
// chisq.test(..., correct=FALSE)).
func TestFisher(t *testing.T) {
	cases := []struct {
		a, b, c, d int
		want       float64
	}{
		// Tea tasting (Fisher 1935): [[3,1],[1,3]]. With margins 4 and 4
		// the tables a = 0..4 have probabilities 1, 16, 36, 16, 1 over 70;
		// those no likelier than the observed 16/70 sum to 34/70.
		{3, 1, 1, 3, 34.0 / 70},
		// [[4,0],[0,4]]: only the two extreme tables, 2/70.
		{4, 0, 0, 4, 2.0 / 70},
		// Identical samples: every table is at most as likely as the
		// most likely one, p = 1.
		{5, 5, 5, 5, 1},
		// [[10,0],[0,10]]: 2 / C(20,10) = 2/184756.
		{10, 0, 0, 10, 2.0 / 184756},
	}
	for _, c := range cases {
		if got := Fisher(c.a, c.b, c.c, c.d); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Fisher(%d,%d,%d,%d) = %.9f, want %.9f", c.a, c.b, c.c, c.d, got, c.want)
		}
	}
}

func TestHomogeneity(t *testing.T) {
	cases := []struct {
		name     string
		a, b     []int
		test     Method
		want     float64
		tolerant float64
	}{
		{"one type in both", []int{20, 0, 0}, []int{30, 0, 0}, MethodNone, 1, 0},
		{"no runs in one", []int{20, 0}, []int{0, 0}, MethodNone, 1, 0},
		{"two types", []int{3, 1, 0}, []int{1, 3, 0}, MethodFisher, 34.0 / 70, 1e-9},
		// 2x3 [[10,10,10],[10,10,10]]: statistic 0, p = 1.
		{"three types, same", []int{10, 10, 10}, []int{10, 10, 10}, MethodChiSquare, 1, 1e-12},
		// 2x3 [[20,0,10],[0,20,10]]: expected 10,10,10 each row;
		// statistic 4*(100/10) = 40 with 2 df: p = exp(-20).
		{"three types, different", []int{20, 0, 10}, []int{0, 20, 10}, MethodChiSquare, math.Exp(-20), 1e-15},
	}
	for _, c := range cases {
		test, p := Homogeneity(c.a, c.b)
		if test != c.test || math.Abs(p-c.want) > c.tolerant {
			t.Errorf("%s: %s p=%g, want %s p=%g", c.name, test, p, c.test, c.want)
		}
	}
}
