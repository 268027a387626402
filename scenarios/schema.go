package scenarios

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/emu-sim/emu/internal/units"
	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/tcp"
)

// decoder turns a (substituted) node tree into a RunConfig, recording every
// problem with its position.
type decoder struct {
	e *errs
}

func (d *decoder) errAt(n *yaml.Node, format string, a ...any) {
	d.e.at(n.Line, n.Column, format, a...)
}

func (d *decoder) noteAt(n *yaml.Node, format string, a ...any) {
	d.e.noteAt(n.Line, n.Column, format, a...)
}

var topKeys = []string{"name", "description", "seed", "runs", "stop_after", "max_events", "profile", "link", "connections", "vars", "client", "server", "sweep"}
var linkKeys = []string{"delay", "jitter", "loss", "rate", "queue", "mtu", "reorder", "forward", "reverse"}
var jitterKeys = []string{"dist", "value", "min", "max", "mean", "stddev", "scale", "shape"}
var lossKeys = []string{"model", "p", "r", "bad_loss", "good_loss"}
var sideKeys = []string{"profile", "tcp", "host", "do", "listen"}
var hostKeys = []string{"port_range", "tw_reuse", "max_tw_buckets", "wakeup_latency"}
var connectionKeys = []string{"count", "every", "arrivals", "sample"}

var namePattern = regexp.MustCompile(`^[a-z0-9-]+$`)

// fields checks that n is a mapping with only allowed keys, each once, and
// returns its entries in order.
func (d *decoder) fields(n *yaml.Node, what string, allowed []string) [][2]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		d.errAt(n, "%s must be a mapping of %s", what, strings.Join(allowed, ", "))
		return nil
	}
	var out [][2]*yaml.Node
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errAt(k, "%s: keys must be plain names", what)
			continue
		}
		ok := false
		for _, a := range allowed {
			if a == k.Value {
				ok = true
				break
			}
		}
		if !ok {
			msg := fmt.Sprintf("unknown key %q in %s", k.Value, what)
			if s := suggest(k.Value, allowed); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?", s)
			} else {
				msg += " ("
			}
			if strings.HasSuffix(msg, "?") {
				msg += " "
			}
			msg += "allowed: " + strings.Join(allowed, ", ") + ")"
			d.errAt(k, "%s", msg)
			continue
		}
		if seen[k.Value] {
			d.errAt(k, "%s: key %q appears twice", what, k.Value)
			continue
		}
		seen[k.Value] = true
		out = append(out, [2]*yaml.Node{k, v})
	}
	return out
}

// misspelt reports whether the mapping has an unknown key that the
// unknown-key error already suggests replacing by key ("clent" for
// "client"): saying that key is missing as well would only repeat it.
func misspelt(m *yaml.Node, key string) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i].Value
		if k != key && suggest(k, topKeys) == key {
			return true
		}
	}
	return false
}

func (d *decoder) str(n *yaml.Node, what string) (string, bool) {
	if n.Tag == badTag {
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		d.errAt(n, "%s must be a single value, not a %s", what, kindName(n))
		return "", false
	}
	return n.Value, true
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}

func (d *decoder) duration(n *yaml.Node, what string) (time.Duration, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return 0, false
	}
	v, err := units.ParseDuration(s)
	if err != nil {
		d.errAt(n, "%s: %v", what, err)
		return 0, false
	}
	return v, true
}

func (d *decoder) prob(n *yaml.Node, what string) (float64, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) {
		d.errAt(n, "%s: %q is not a number (write a probability such as 0.01)", what, s)
		return 0, false
	}
	if v < 0 || v > 1 {
		d.errAt(n, "%s: %v is not a probability in [0,1]", what, s)
		return 0, false
	}
	return v, true
}

func (d *decoder) integer(n *yaml.Node, what string, lo, hi int64) (int64, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		d.errAt(n, "%s: %q is not a whole number", what, s)
		return 0, false
	}
	if v < lo || v > hi {
		d.errAt(n, "%s: %d is out of range (%d to %d)", what, v, lo, hi)
		return 0, false
	}
	return v, true
}

func (d *decoder) boolean(n *yaml.Node, what string) (bool, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return false, false
	}
	switch s {
	case "true", "True", "TRUE", "yes", "on":
		return true, true
	case "false", "False", "FALSE", "no", "off":
		return false, true
	}
	d.errAt(n, "%s: %q is not true or false", what, s)
	return false, false
}

// scenario decodes the whole file.
func (d *decoder) scenario(root *yaml.Node) *RunConfig {
	c := &RunConfig{Seed: DefaultSeed, Runs: DefaultRuns, StopAfter: DefaultStopAfter, MaxEvents: DefaultMaxEvents,
		Profile: DefaultProfile, Connections: Connections{Count: 1, Sample: time.Second}}
	c.Link.Forward, c.Link.Reverse = netlink.DefaultConfig(), netlink.DefaultConfig()
	var linkNode, clientNode, serverNode, nameNode *yaml.Node
	for _, kv := range d.fields(root, "the scenario", topKeys) {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "name":
			nameNode = v
			if s, ok := d.str(v, "name"); ok {
				if !namePattern.MatchString(s) {
					d.errAt(v, "name %q: use lower-case letters, digits and '-' only (it names the output folder)", s)
				}
				c.Name = s
			}
		case "description":
			if s, ok := d.str(v, "description"); ok {
				c.Description = s
			}
		case "seed":
			s, ok := d.str(v, "seed")
			if ok {
				n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
				if err != nil {
					d.errAt(v, "seed: %q is not a whole number from 0 to 2^64-1", s)
				}
				c.Seed = n
			}
		case "runs":
			if n, ok := d.integer(v, "runs", 1, MaxRuns); ok {
				c.Runs = int(n)
			}
		case "stop_after":
			if t, ok := d.duration(v, "stop_after"); ok {
				if t == 0 {
					d.errAt(v, "stop_after must be longer than 0")
				}
				c.StopAfter = t
			}
		case "max_events":
			if n, ok := d.integer(v, "max_events", 1000, 1<<40); ok {
				c.MaxEvents = uint64(n)
			}
		case "profile":
			if s, ok := d.str(v, "profile"); ok {
				if _, err := tcp.Profile(s); err != nil {
					d.errAt(v, "%v", err)
				} else {
					c.Profile = s
				}
			}
		case "link":
			linkNode = v
		case "connections":
			d.connections(v, &c.Connections)
		case "client":
			clientNode = v
		case "server":
			serverNode = v
		}
	}
	if nameNode == nil && !misspelt(root, "name") {
		d.e.at(root.Line, root.Column, "the scenario needs a name: (lower-case letters, digits and '-')")
	}
	if linkNode != nil {
		d.link(linkNode, &c.Link)
	}
	c.Client = d.side(clientNode, root, "client", c.Profile)
	c.Server = d.side(serverNode, root, "server", c.Profile)
	for _, s := range []struct {
		n   *yaml.Node
		ep  *Endpoint
		mtu int
	}{{clientNode, &c.Client, c.Link.Forward.MTU}, {serverNode, &c.Server, c.Link.Reverse.MTU}} {
		if s.n != nil && s.ep.TCP.MSS+tcp.IPHeaderLen+tcp.TCPHeaderLen > s.mtu {
			d.errAt(s.n, "mss %d does not fit the link's mtu %d (mss + 40 bytes of IPv4 and TCP headers must be at most the mtu)", s.ep.TCP.MSS, s.mtu)
		}
	}
	return c
}

// MaxConnections bounds the connections of one run.
const MaxConnections = 10_000_000

func (d *decoder) connections(n *yaml.Node, c *Connections) {
	if n.Kind == yaml.ScalarNode {
		if v, ok := d.integer(n, "connections", 1, MaxConnections); ok {
			c.Count = int(v)
		}
		return
	}
	for _, kv := range d.fields(n, "connections", connectionKeys) {
		switch kv[0].Value {
		case "count":
			if v, ok := d.integer(kv[1], "connections.count", 1, MaxConnections); ok {
				c.Count = int(v)
			}
		case "every":
			if t, ok := d.duration(kv[1], "connections.every"); ok {
				c.Every = t
			}
		case "sample":
			if t, ok := d.duration(kv[1], "connections.sample"); ok {
				if t < time.Millisecond {
					d.errAt(kv[1], "connections.sample: %v is shorter than 1ms", t)
				}
				c.Sample = t
			}
		case "arrivals":
			if s, ok := d.str(kv[1], "connections.arrivals"); ok {
				switch s {
				case "fixed":
				case "poisson":
					c.Poisson = true
				default:
					d.errAt(kv[1], "connections.arrivals: %q is not fixed or poisson", s)
				}
			}
		}
	}
	if c.Poisson && c.Every == 0 {
		d.errAt(n, "connections: poisson arrivals need every: (the mean gap between connections)")
	}
}

// host decodes a side's host: settings (Linux sysctls).
func (d *decoder) host(n *yaml.Node, name string, h *tcp.HostSettings) {
	for _, kv := range d.fields(n, name+".host", hostKeys) {
		k, v := kv[0].Value, kv[1]
		w := name + ".host." + k
		switch k {
		case "port_range":
			s, ok := d.str(v, w)
			if !ok {
				continue
			}
			lo, hi, found := strings.Cut(s, "-")
			a, errA := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
			b, errB := strconv.ParseUint(strings.TrimSpace(hi), 10, 16)
			if !found || errA != nil || errB != nil || a == 0 || b < a {
				d.errAt(v, "%s: %q is not a port range such as 32768-60999", w, s)
				continue
			}
			h.PortLow, h.PortHigh = uint16(a), uint16(b)
		case "tw_reuse":
			if x, ok := d.integer(v, w, 0, 2); ok {
				h.TWReuse = int(x)
			}
		case "wakeup_latency":
			var j netlink.Jitter
			n := len(d.e.list)
			d.jitter(v, w, &j)
			if len(d.e.list) > n {
				continue
			}
			if err := j.Validate(); err != nil {
				d.errAt(v, "%s: %v", w, err)
				continue
			}
			if j.Dist != netlink.JitterNone {
				h.WakeupLatency = j
			}
		case "max_tw_buckets":
			if x, ok := d.integer(v, w, 0, 1<<30); ok {
				h.MaxTWBuckets = int(x)
			}
		}
	}
}

// side decodes client: or server: — its profile, tcp: overrides and do: list.
func (d *decoder) side(n, root *yaml.Node, name, profile string) Endpoint {
	ep := Endpoint{Profile: profile, Host: tcp.DefaultHostSettings()}
	if n == nil {
		if !misspelt(root, name) {
			d.e.at(root.Line, root.Column, "the scenario needs a %s: with a do: list", name)
		}
		ep.TCP, _ = tcp.Profile(profile)
		return ep
	}
	fields := d.fields(n, name, sideKeys)
	for _, kv := range fields {
		if kv[0].Value == "profile" {
			if s, ok := d.str(kv[1], name+".profile"); ok {
				if _, err := tcp.Profile(s); err != nil {
					d.errAt(kv[1], "%s.profile: %v", name, err)
				} else {
					ep.Profile = s
				}
			}
		}
	}
	ep.TCP, _ = tcp.Profile(ep.Profile)
	var doNode, listenNode *yaml.Node
	for _, kv := range fields {
		switch kv[0].Value {
		case "tcp":
			for _, skv := range d.fields(kv[1], name+".tcp", TCPSettingNames()) {
				if s, ok := d.str(skv[1], name+".tcp."+skv[0].Value); ok {
					if err := SetTCP(&ep.TCP, skv[0].Value, s); err != nil {
						d.errAt(skv[1], "%s.tcp.%v", name, err)
					}
				}
			}
			if err := ep.TCP.Validate(); err != nil {
				d.errAt(kv[1], "%s.tcp: %v", name, err)
			}
		case "host":
			d.host(kv[1], name, &ep.Host)
		case "do":
			doNode = kv[1]
		case "listen":
			listenNode = kv[1]
			if name != "server" {
				d.errAt(kv[0], "%s.listen: only the server listens (listen: false leaves the server's port closed)", name)
				continue
			}
			if b, ok := d.boolean(kv[1], name+".listen"); ok {
				ep.NoListen = !b
			} else {
				return ep // whether a do: list is needed depends on it
			}
		}
	}
	if ep.NoListen {
		if doNode != nil {
			d.errAt(doNode, "server.do: a server with listen: false has no listening socket and runs no program; remove do:")
		}
		return ep
	}
	if doNode == nil {
		if listenNode != nil {
			d.errAt(n, "%s needs a do: list of actions (e.g. do: [accept, close]) unless listen: false", name)
			return ep
		}
		d.errAt(n, "%s needs a do: list of actions (e.g. do: [%s, close])", name, map[string]string{"client": "connect", "server": "accept"}[name])
		return ep
	}
	ep.Do = d.actions(doNode, name)
	return ep
}
