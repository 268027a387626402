package netlink

import (
	"fmt"
	"time"
)

// JitterDist names the distribution of the extra delay a packet gets on top of
// the link's propagation delay.
type JitterDist string

// Jitter distributions. Every one yields a non-negative extra delay, so the
// propagation delay is the least delay a packet can have.
const (
	JitterNone        JitterDist = ""            // no jitter
	JitterFixed       JitterDist = "fixed"       // always Value
	JitterUniform     JitterDist = "uniform"     // uniform in [Min, Max]
	JitterNormal      JitterDist = "normal"      // normal(Mean, Stddev), truncated at zero
	JitterExponential JitterDist = "exponential" // exponential with mean Mean
	JitterPareto      JitterDist = "pareto"      // Pareto with scale Scale (the minimum) and shape Shape
)

// Jitter is the extra per-packet delay of a link. A scenario's scalar
// `jitter: 2ms` means Uniform over [0, 2ms].
type Jitter struct {
	Dist   JitterDist
	Value  time.Duration // fixed
	Min    time.Duration // uniform
	Max    time.Duration // uniform
	Mean   time.Duration // normal, exponential
	Stddev time.Duration // normal
	Scale  time.Duration // pareto (x_m)
	Shape  float64       // pareto (alpha)
}

// LossModel names how a link decides which packets to lose.
type LossModel string

// Loss models.
const (
	LossNone           LossModel = ""                // nothing is lost
	LossBernoulli      LossModel = "bernoulli"       // each packet lost with probability P
	LossGilbertElliott LossModel = "gilbert-elliott" // two-state Markov model, as netem's gemodel
)

// Loss configures packet loss. For the Gilbert-Elliott model the four numbers
// are those of Linux netem's `loss gemodel p r 1-h 1-k`:
//
//	P        = p:   probability of moving from the good to the bad state
//	R        = r:   probability of moving from the bad to the good state
//	BadLoss  = 1-h: probability that a packet is lost in the bad state (netem default 1)
//	GoodLoss = 1-k: probability that a packet is lost in the good state (netem default 0)
type Loss struct {
	Model    LossModel
	P        float64
	R        float64
	BadLoss  float64
	GoodLoss float64
}

// Config describes one direction of a link.
type Config struct {
	Delay   time.Duration // one-way propagation delay
	Jitter  Jitter        // extra per-packet delay
	Reorder bool          // let jitter reorder packets; by default a packet never overtakes the previous one
	Loss    Loss
	Rate    int64 // serialisation rate in bits per second; 0 = unlimited
	Queue   int   // drop-tail queue in front of the serialiser, in packets
	MTU     int   // largest packet in bytes; sending a larger one is an error
}

// Default values of a scenario's link.
const (
	DefaultQueue = 1000
	DefaultMTU   = 1500
)

// DefaultConfig returns a link with no delay, loss or rate limit and the
// default queue and MTU.
func DefaultConfig() Config { return Config{Queue: DefaultQueue, MTU: DefaultMTU} }

// Validate reports the first setting that cannot work.
func (c *Config) Validate() error {
	prob := func(name string, p float64) error {
		if !(p >= 0 && p <= 1) {
			return fmt.Errorf("loss %s = %v is not a probability in [0,1]", name, p)
		}
		return nil
	}
	switch {
	case c.Delay < 0:
		return fmt.Errorf("delay %v is negative", c.Delay)
	case c.Rate < 0:
		return fmt.Errorf("rate %d is negative", c.Rate)
	case c.Queue < 1:
		return fmt.Errorf("queue %d must be at least 1 packet", c.Queue)
	case c.MTU < 68:
		return fmt.Errorf("mtu %d is below the IPv4 minimum of 68", c.MTU)
	}
	switch c.Loss.Model {
	case LossNone:
	case LossBernoulli:
		if err := prob("p", c.Loss.P); err != nil {
			return err
		}
	case LossGilbertElliott:
		for _, x := range []struct {
			n string
			v float64
		}{{"p", c.Loss.P}, {"r", c.Loss.R}, {"bad_loss", c.Loss.BadLoss}, {"good_loss", c.Loss.GoodLoss}} {
			if err := prob(x.n, x.v); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("unknown loss model %q (bernoulli or gilbert-elliott)", c.Loss.Model)
	}
	if err := c.Jitter.Validate(); err != nil {
		return fmt.Errorf("jitter: %w", err)
	}
	return nil
}

// Validate reports a distribution that cannot be drawn from.
func (j Jitter) Validate() error {
	switch j.Dist {
	case JitterNone:
	case JitterFixed:
		if j.Value < 0 {
			return fmt.Errorf("value is negative")
		}
	case JitterUniform:
		if j.Min < 0 || j.Max < j.Min {
			return fmt.Errorf("uniform needs 0 <= min <= max")
		}
	case JitterNormal:
		if j.Mean < 0 || j.Stddev < 0 {
			return fmt.Errorf("normal needs mean >= 0 and stddev >= 0")
		}
	case JitterExponential:
		if j.Mean < 0 {
			return fmt.Errorf("exponential needs mean >= 0")
		}
	case JitterPareto:
		if j.Scale < 0 || !(j.Shape > 0) {
			return fmt.Errorf("pareto needs scale >= 0 and shape > 0")
		}
	default:
		return fmt.Errorf("unknown distribution %q (fixed, uniform, normal, exponential or pareto)", j.Dist)
	}
	return nil
}

// DuplexConfig is a link in both directions. Forward carries the client's
// packets to the server, Reverse the server's to the client.
type DuplexConfig struct {
	Forward Config
	Reverse Config
}
