package netlink

import "github.com/emu-sim/emu/engine"

// lossGen is the state of a link's loss model: the configuration and, for
// Gilbert-Elliott, the current state of the Markov chain.
type lossGen struct {
	model    LossModel
	p        float64
	r        float64
	badLoss  float64
	goodLoss float64
	bad      bool
}

func (g *lossGen) reset(l Loss) {
	*g = lossGen{model: l.Model, p: l.P, r: l.R, badLoss: l.BadLoss, goodLoss: l.GoodLoss}
}

// lost decides whether the next packet is lost, drawing from rng as the
// package documentation describes.
func (g *lossGen) lost(rng *engine.Stream) bool {
	switch g.model {
	case LossBernoulli:
		return rng.Float64() < g.p
	case LossGilbertElliott:
		// netem's loss_gilb_ell: transition draw, then loss draw with the
		// loss probability of the state before the transition.
		if g.bad {
			if rng.Float64() < g.r {
				g.bad = false
			}
			return rng.Float64() < g.badLoss
		}
		if rng.Float64() < g.p {
			g.bad = true
		}
		return rng.Float64() < g.goodLoss
	}
	return false
}
