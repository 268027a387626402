package netlink

import (
	"fmt"
	"math"
	"testing"

	"github.com/emu-sim/emu/engine"
	"gonum.org/v1/gonum/stat/distuv"
	"time"
)

func TestBernoulliLossWithinBinomialInterval(t *testing.T) {
	const n = 100_000
	// Two-sided 99.9% interval of Binomial(n, p) by its normal approximation
	// (n·p ≥ 1000 for every p below, where the approximation is excellent):
	// n·p ± z·sqrt(n·p·(1-p)), z = Φ⁻¹(0.9995) ≈ 3.29.
	z := distuv.UnitNormal.Quantile(0.9995)
	for _, p := range []float64{0.01, 0.05, 0.3, 0.5} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			cfg := cfgWith(func(c *Config) { c.Loss = Loss{Model: LossBernoulli, P: p} })
			s := engine.NewScheduler()
			l, err := NewLink[int](s, cfg, engine.NewStream(engine.RunSeed(1, 0, 0), ForwardComponent), nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				l.Send(i, 100)
				s.Run(engine.Limits{})
			}
			c := l.Counters()
			mean, sd := n*p, math.Sqrt(n*p*(1-p))
			lo, hi := math.Floor(mean-z*sd), math.Ceil(mean+z*sd)
			if got := float64(c.DroppedLoss); got < lo || got > hi {
				t.Fatalf("lost %v of %d, outside the 99.9%% interval [%v, %v]", got, n, lo, hi)
			}
			if c.Delivered+c.DroppedLoss != n {
				t.Fatalf("counters %+v", c)
			}
		})
	}
	// The extremes are exact.
	for _, p := range []float64{0, 1} {
		cfg := cfgWith(func(c *Config) { c.Loss = Loss{Model: LossBernoulli, P: p} })
		h := newHarness(t, cfg, 1)
		for i := range 1000 {
			h.sendAt(0, i, 100)
		}
		h.run()
		if got := h.l.Counters().DroppedLoss; got != uint64(p*1000) {
			t.Fatalf("p=%v: lost %d of 1000", p, got)
		}
	}
}

// lossRuns draws n packets from a Gilbert-Elliott model and returns the loss
// rate and the mean length of runs of consecutive losses.
func lossRuns(l Loss, seed uint64, n int) (rate, meanBurst float64) {
	var g lossGen
	g.reset(l)
	rng := engine.NewStream(seed, ForwardComponent)
	lost, bursts, inBurst := 0, 0, false
	for range n {
		if g.lost(rng) {
			lost++
			if !inBurst {
				bursts++
			}
			inBurst = true
		} else {
			inBurst = false
		}
	}
	return float64(lost) / float64(n), float64(lost) / float64(bursts)
}

func TestGilbertElliottClosedForm(t *testing.T) {
	// 2 million packets; tolerance 5% relative. For the first case about 18 000
	// bursts of mean 10 give a standard error of the burst mean near 0.7% and
	// of the loss rate near 1%, so 5% is beyond 5 standard errors.
	const n = 2_000_000
	const tol = 0.05
	tests := []struct {
		name string
		loss Loss
	}{
		{"gilbert p=1% r=10%", Loss{P: 0.01, R: 0.1, BadLoss: 1, GoodLoss: 0}},
		{"gilbert p=5% r=50%", Loss{P: 0.05, R: 0.5, BadLoss: 1, GoodLoss: 0}},
		{"gilbert-elliott", Loss{P: 0.05, R: 0.3, BadLoss: 0.7, GoodLoss: 0.02}},
		{"simple gilbert r=1-p", Loss{P: 0.2, R: 0.8, BadLoss: 1, GoodLoss: 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.loss
			l.Model = LossGilbertElliott
			piB := l.P / (l.P + l.R)
			wantRate := (1-piB)*l.GoodLoss + piB*l.BadLoss
			rate, burst := lossRuns(l, 1, n)
			if math.Abs(rate-wantRate) > tol*wantRate {
				t.Errorf("loss rate %.5f, closed form %.5f (±%.0f%%)", rate, wantRate, tol*100)
			}
			if l.BadLoss == 1 && l.GoodLoss == 0 {
				if want := 1 / l.R; math.Abs(burst-want) > tol*want {
					t.Errorf("mean burst %.3f, closed form 1/r = %.3f (±%.0f%%)", burst, want, tol*100)
				}
			}
		})
	}
}

func TestGilbertElliottNetemOrder(t *testing.T) {
	// p = 1, r = 0, 1-h = 1, 1-k = 0: the chain moves to the bad state on the
	// first packet and stays there. netem decides the first packet's loss with
	// the good state's probability (it found the chain in the good state), so
	// exactly the first packet gets through.
	cfg := cfgWith(func(c *Config) { c.Loss = Loss{Model: LossGilbertElliott, P: 1, R: 0, BadLoss: 1, GoodLoss: 0} })
	h := newHarness(t, cfg, 1)
	for i := range 100 {
		h.sendAt(0, i, 100)
	}
	h.run()
	equalDeliveries(t, h.got, []delivery{{0, 0}})
	if c := h.l.Counters(); c != (Counters{Sent: 100, Delivered: 1, DroppedLoss: 99}) {
		t.Fatalf("counters %+v", c)
	}
	// And back: p = 1, r = 1 alternates states, so with 1-h = 1, 1-k = 0
	// every second packet is lost, starting with the second.
	cfg.Loss.R = 1
	h = newHarness(t, cfg, 1)
	for i := range 6 {
		h.sendAt(0, i, 100)
	}
	h.run()
	equalDeliveries(t, h.got, []delivery{{0, 0}, {0, 2}, {0, 4}})
}

func TestLinkLossMatchesModel(t *testing.T) {
	// The link consumes exactly the model's draws when it has no random
	// jitter: its drops replay those of the model on the same stream.
	loss := Loss{Model: LossGilbertElliott, P: 0.02, R: 0.25, BadLoss: 0.9, GoodLoss: 0.01}
	cfg := cfgWith(func(c *Config) { c.Loss = loss; c.Delay = time.Duration(ms) })
	h := newHarness(t, cfg, 9)
	const n = 10_000
	for i := range n {
		h.sendAt(engine.Time(i), i, 100)
	}
	h.run()
	var g lossGen
	g.reset(loss)
	rng := engine.NewStream(9, ForwardComponent)
	var want []delivery
	for i := range n {
		if !g.lost(rng) {
			want = append(want, delivery{engine.Time(i) + ms, i})
		}
	}
	equalDeliveries(t, h.got, want)
}
