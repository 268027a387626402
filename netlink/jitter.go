package netlink

import (
	"math"
	"time"

	"github.com/emu-sim/emu/engine"
	"gonum.org/v1/gonum/stat/distuv"
)

// maxNormalRedraws bounds the redraws of a truncated normal. Validate
// guarantees mean >= 0, so each draw is kept with probability at least 1/2 and
// the bound is reached with probability below 2^-64; it only guards against
// looping forever on a broken source.
const maxNormalRedraws = 64

// jitterGen draws a link's extra per-packet delay. The gonum distributions
// are held by value, one field per kind, so that a draw is a direct call
// rather than a call through an interface holding a boxed copy.
type jitterGen struct {
	dist  JitterDist
	fixed engine.Time
	uni   distuv.Uniform
	norm  distuv.Normal
	exp   distuv.Exponential
	par   distuv.Pareto
}

func (j *jitterGen) reset(c Jitter, rng *engine.Stream) {
	src := rng.Source()
	*j = jitterGen{dist: c.Dist}
	switch c.Dist {
	case JitterFixed:
		j.fixed = engine.Time(c.Value)
	case JitterUniform:
		j.uni = distuv.Uniform{Min: float64(c.Min), Max: float64(c.Max), Src: src}
	case JitterNormal:
		j.norm = distuv.Normal{Mu: float64(c.Mean), Sigma: float64(c.Stddev), Src: src}
	case JitterExponential:
		if c.Mean == 0 {
			j.dist, j.fixed = JitterFixed, 0
			break
		}
		j.exp = distuv.Exponential{Rate: 1 / float64(c.Mean), Src: src}
	case JitterPareto:
		j.par = distuv.Pareto{Xm: float64(c.Scale), Alpha: c.Shape, Src: src}
	}
}

// draw returns the next jitter in nanoseconds. Continuous draws are rounded
// to the nearest nanosecond and saturate at engine.Never (a Pareto tail can
// exceed any int64).
//
// The normal distribution is truncated at zero by redrawing negative values
// rather than clamping them, so that no probability mass piles up at exactly
// zero jitter; the result is the normal distribution conditioned on being
// non-negative.
func (j *jitterGen) draw() engine.Time {
	var x float64
	switch j.dist {
	case JitterNone:
		return 0
	case JitterFixed:
		return j.fixed
	case JitterUniform:
		x = j.uni.Rand()
	case JitterNormal:
		if j.norm.Sigma == 0 {
			x = j.norm.Mu
			break
		}
		for range maxNormalRedraws {
			if x = j.norm.Rand(); x >= 0 {
				break
			}
		}
		if x < 0 {
			x = 0
		}
	case JitterExponential:
		x = j.exp.Rand()
	case JitterPareto:
		x = j.par.Rand()
	}
	return toTime(x)
}

// toTime rounds a non-negative number of nanoseconds to a Time, saturating.
func toTime(x float64) engine.Time {
	x = math.Round(x)
	if !(x < float64(engine.Never)) { // also catches NaN and +Inf
		return engine.Never
	}
	if x < 0 {
		return 0
	}
	return engine.Time(x)
}

// Draw returns one value of the distribution, drawn from rng as a link draws
// its jitter (a normal truncated at zero by redrawing; saturating at
// engine.Never). It lets a program's sleep be random with the same forms as
// a link's jitter (tcp.DurationDist).
func (j Jitter) Draw(rng *engine.Stream) time.Duration {
	var g jitterGen
	g.reset(j, rng)
	return time.Duration(g.draw())
}
