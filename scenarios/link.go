package scenarios

import (
	"math"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/emu-sim/emu/internal/units"
	"github.com/emu-sim/emu/netlink"
)

// link decodes the link: its own keys apply to both directions, then
// forward: and reverse: override one direction each.
func (d *decoder) link(n *yaml.Node, l *netlink.DuplexConfig) {
	var fwd, rev *yaml.Node
	for _, kv := range d.fields(n, "link", linkKeys) {
		switch kv[0].Value {
		case "forward":
			fwd = kv[1]
		case "reverse":
			rev = kv[1]
		default:
			d.linkKey(kv[0].Value, kv[1], "link", &l.Forward)
			d.linkKey(kv[0].Value, kv[1], "link", &l.Reverse)
		}
	}
	for _, x := range []struct {
		n    *yaml.Node
		name string
		c    *netlink.Config
	}{{fwd, "link.forward", &l.Forward}, {rev, "link.reverse", &l.Reverse}} {
		if x.n == nil {
			continue
		}
		for _, kv := range d.fields(x.n, x.name, linkKeys[:7]) {
			d.linkKey(kv[0].Value, kv[1], x.name, x.c)
		}
	}
	for _, x := range []struct {
		n *yaml.Node
		c *netlink.Config
	}{{n, &l.Forward}, {n, &l.Reverse}} {
		if err := x.c.Validate(); err != nil && len(d.e.list) == 0 {
			d.errAt(x.n, "link: %v", err)
		}
	}
}

func (d *decoder) linkKey(key string, v *yaml.Node, where string, c *netlink.Config) {
	what := where + "." + key
	switch key {
	case "delay":
		if t, ok := d.duration(v, what); ok {
			c.Delay = t
		}
	case "jitter":
		d.jitter(v, what, &c.Jitter)
	case "loss":
		d.loss(v, what, &c.Loss)
	case "rate":
		if s, ok := d.str(v, what); ok {
			r, err := units.ParseRate(s)
			if err != nil {
				d.errAt(v, "%s: %v", what, err)
			}
			c.Rate = r
		}
	case "queue":
		if q, ok := d.integer(v, what, 1, 1_000_000); ok {
			c.Queue = int(q)
		}
	case "mtu":
		if m, ok := d.integer(v, what, 68, 65535); ok {
			c.MTU = int(m)
		}
	case "reorder":
		if b, ok := d.boolean(v, what); ok {
			c.Reorder = b
		}
	}
}

func (d *decoder) jitter(n *yaml.Node, what string, j *netlink.Jitter) {
	if n.Kind == yaml.ScalarNode {
		if t, ok := d.duration(n, what); ok {
			*j = netlink.Jitter{}
			if t > 0 {
				*j = netlink.Jitter{Dist: netlink.JitterUniform, Max: t}
			}
		}
		return
	}
	*j = netlink.Jitter{}
	var distNode *yaml.Node
	for _, kv := range d.fields(n, what, jitterKeys) {
		k, v := kv[0].Value, kv[1]
		w := what + "." + k
		switch k {
		case "dist":
			distNode = v
			if s, ok := d.str(v, w); ok {
				switch netlink.JitterDist(s) {
				case netlink.JitterFixed, netlink.JitterUniform, netlink.JitterNormal, netlink.JitterExponential, netlink.JitterPareto:
					j.Dist = netlink.JitterDist(s)
				default:
					d.errAt(v, "%s: %q is not a distribution (fixed, uniform, normal, exponential or pareto)", w, s)
				}
			}
		case "shape":
			if s, ok := d.str(v, w); ok {
				x, err := strconv.ParseFloat(s, 64)
				if err != nil || !(x > 0) || math.IsInf(x, 0) {
					d.errAt(v, "%s: %q must be a positive number", w, s)
				}
				j.Shape = x
			}
		default:
			t, ok := d.duration(v, w)
			if !ok {
				continue
			}
			switch k {
			case "value":
				j.Value = t
			case "min":
				j.Min = t
			case "max":
				j.Max = t
			case "mean":
				j.Mean = t
			case "stddev":
				j.Stddev = t
			case "scale":
				j.Scale = t
			}
		}
	}
	if distNode == nil {
		d.errAt(n, "%s: say which distribution with dist: (fixed, uniform, normal, exponential or pareto)", what)
	}
}

func (d *decoder) loss(n *yaml.Node, what string, l *netlink.Loss) {
	if n.Kind == yaml.ScalarNode {
		if p, ok := d.prob(n, what); ok {
			*l = netlink.Loss{}
			if p > 0 {
				*l = netlink.Loss{Model: netlink.LossBernoulli, P: p}
			}
		}
		return
	}
	*l = netlink.Loss{Model: netlink.LossBernoulli, BadLoss: 1}
	for _, kv := range d.fields(n, what, lossKeys) {
		k, v := kv[0].Value, kv[1]
		w := what + "." + k
		if k == "model" {
			if s, ok := d.str(v, w); ok {
				switch netlink.LossModel(s) {
				case netlink.LossBernoulli, netlink.LossGilbertElliott:
					l.Model = netlink.LossModel(s)
				default:
					d.errAt(v, "%s: %q is not a loss model (bernoulli or gilbert-elliott)", w, s)
				}
			}
			continue
		}
		p, ok := d.prob(v, w)
		if !ok {
			continue
		}
		switch k {
		case "p":
			l.P = p
		case "r":
			l.R = p
		case "bad_loss":
			l.BadLoss = p
		case "good_loss":
			l.GoodLoss = p
		}
	}
}
