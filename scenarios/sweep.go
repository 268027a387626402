package scenarios

import (
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/emu-sim/emu/internal/units"
)

// sweepValue is one value of a sweep key, as it will be written in the CSV
// files, with the position it came from.
type sweepValue struct {
	text      string
	line, col int
}

// dimension is one sweep key and its values.
type dimension struct {
	name   string
	key    *yaml.Node
	isVar  bool
	ranged bool // a {from, to, step} range: values of one form, evenly spaced
	values []sweepValue
}

func parseSweep(e *errs, n *yaml.Node, vars []variable) []dimension {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		e.at(n.Line, n.Column, "sweep must be a mapping of keys to lists or {from, to, step} ranges")
		return nil
	}
	var dims []dimension
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		d := dimension{name: k.Value, key: k}
		for _, x := range vars {
			if x.name == k.Value {
				d.isVar = true
			}
		}
		if seen[k.Value] {
			e.at(k.Line, k.Column, "sweep key %q appears twice", k.Value)
			continue
		}
		seen[k.Value] = true
		if why, ok := unsweepable[k.Value]; ok {
			e.at(k.Line, k.Column, "sweep key %q cannot be swept: %s", k.Value, why)
			continue
		}
		if !d.isVar && !knownPath(k.Value) {
			msg := "unknown sweep key " + quote(k.Value) + ": name a var (define it under vars:) or a setting such as link.loss, link.delay, server.tcp.delayed_ack, profile"
			names := allPaths()
			for _, v := range vars {
				names = append(names, v.name)
			}
			if sug := suggest(k.Value, names); sug != "" {
				msg = "unknown sweep key " + quote(k.Value) + " (did you mean " + quote(sug) + "?): name a var (define it under vars:) or a setting such as link.loss, link.delay, server.tcp.delayed_ack, profile"
			}
			if strings.Contains(k.Value, ".do") {
				msg = "sweep key " + quote(k.Value) + ": do: lists cannot be swept; sweep a var used inside them, e.g. {sleep: ${close_delay}}"
			}
			e.at(k.Line, k.Column, "%s", msg)
			continue
		}
		switch v.Kind {
		case yaml.SequenceNode:
			if len(v.Content) == 0 {
				e.at(v.Line, v.Column, "sweep %s: the list is empty; give at least one value", k.Value)
				continue
			}
			for _, x := range v.Content {
				if x.Kind != yaml.ScalarNode {
					e.at(x.Line, x.Column, "sweep %s: each value must be a single value", k.Value)
					continue
				}
				d.values = append(d.values, sweepValue{x.Value, x.Line, x.Column})
			}
		case yaml.MappingNode:
			d.values, d.ranged = parseRange(e, k.Value, v), true
		default:
			e.at(v.Line, v.Column, "sweep %s: give a list [a, b, c] or a range {from: 0ms, to: 100ms, step: 5ms}", k.Value)
			continue
		}
		if len(d.values) > 0 {
			dims = append(dims, d)
		}
	}
	return dims
}

// rangeKeys are the keys of a sweep range.
var rangeKeys = []string{"from", "to", "step"}

// parseRange expands {from, to, step}: durations or numbers, the point
// from + i*step for i = 0, 1, ... while it does not pass to (to included
// when it lands on a step). Computing each point from i avoids the drift of
// repeated addition. A negative step counts down from a larger from; a
// duration range's from and to are never negative, its step may be.
func parseRange(e *errs, key string, n *yaml.Node) []sweepValue {
	var from, to, step *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		for j := 0; j < i; j += 2 {
			if n.Content[j].Value == k.Value {
				e.at(k.Line, k.Column, "sweep %s: key %q appears twice in the range", key, k.Value)
				return nil
			}
		}
		switch k.Value {
		case "from":
			from = v
		case "to":
			to = v
		case "step":
			step = v
		default:
			e.at(k.Line, k.Column, "sweep %s: unknown key %q in a range (allowed: %s)", key, k.Value, strings.Join(rangeKeys, ", "))
			return nil
		}
	}
	if from == nil || to == nil || step == nil {
		e.at(n.Line, n.Column, "sweep %s: a range needs from, to and step", key)
		return nil
	}
	for _, x := range []*yaml.Node{from, to, step} {
		if x.Kind != yaml.ScalarNode {
			e.at(x.Line, x.Column, "sweep %s: from, to and step must be single values", key)
			return nil
		}
	}
	if a, errA := strconv.ParseFloat(from.Value, 64); errA == nil {
		b, errB := strconv.ParseFloat(to.Value, 64)
		s, errS := strconv.ParseFloat(step.Value, 64)
		if errB != nil || errS != nil || math.IsNaN(a+b+s) || math.IsInf(a+b+s, 0) {
			e.at(n.Line, n.Column, "sweep %s: from is a number, so to and step must be numbers too", key)
			return nil
		}
		count, ok := rangeCount(e, key, from, to, step, a, b, s)
		if !ok {
			return nil
		}
		// Rounding to the decimals written removes the float noise of
		// from + i*step (0.30000000000000004, or 5.6e-17 for 0); with more
		// decimals than a float can round (or an exponent), rounding to 15
		// significant digits does.
		dec := max(decimals(from.Value), decimals(step.Value))
		p := math.Pow(10, float64(dec))
		out := make([]sweepValue, count)
		for i := range out {
			x := a + float64(i)*s
			if r := math.Round(x*p) / p; dec <= 15 && !math.IsInf(r, 0) && !math.IsNaN(r) {
				x = r
			} else if r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 15, 64), 64); err == nil {
				x = r
			}
			if x == 0 {
				x = 0 // not -0, from a count down to 0
			}
			out[i] = sweepValue{formatNumber(x), n.Line, n.Column}
		}
		return out
	}
	a, errA := units.ParseDuration(from.Value)
	b, errB := units.ParseDuration(to.Value)
	s, errS := signedDuration(step.Value)
	if errA != nil || errB != nil || errS != nil {
		e.at(n.Line, n.Column, "sweep %s: from, to and step must all be durations (5ms) or all numbers (0.01)", key)
		return nil
	}
	count, ok := rangeCount(e, key, from, to, step, float64(a), float64(b), float64(s))
	if !ok {
		return nil
	}
	unit := durationUnit(a, s)
	out := make([]sweepValue, count)
	for i := range out {
		out[i] = sweepValue{formatDuration(a+time.Duration(i)*s, unit), n.Line, n.Column}
	}
	return out
}

// signedDuration parses a range's step, which may be negative ("-5ms").
func signedDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if rest, neg := strings.CutPrefix(v, "-"); neg {
		d, err := units.ParseDuration(rest)
		return -d, err
	}
	return units.ParseDuration(v)
}

// rangeCount is the number of values of a range from a to b by s, or an
// error at the step when it is 0 or leads away from to.
func rangeCount(e *errs, key string, from, to, step *yaml.Node, a, b, s float64) (int, bool) {
	if s == 0 {
		e.at(step.Line, step.Column, "sweep %s: step must not be 0", key)
		return 0, false
	}
	if (b > a && s < 0) || (b < a && s > 0) {
		sign := "positive"
		if b < a {
			sign = "negative"
		}
		e.at(step.Line, step.Column, "sweep %s: from %s to %s needs a %s step, not %s", key, from.Value, to.Value, sign, step.Value)
		return 0, false
	}
	c := math.Floor((b-a)/s+1e-9) + 1
	if c > MaxPoints {
		e.at(step.Line, step.Column, "sweep %s: the range has %.0f values, more than %d: is the step too small?", key, c, MaxPoints)
		return 0, false
	}
	return int(c), true
}

// formatNumber writes a range's number as a user would: 0.05, 12, and an
// exponent only for very large or very small magnitudes (1e+30, 1e-09).
func formatNumber(x float64) string {
	if a := math.Abs(x); a >= 1e21 || (a != 0 && a < 1e-6) {
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// decimals is the number of decimal places a number is written with:
// 2 for 0.05, 31 for 1e-31, 0 for 1.5e3.
func decimals(s string) int {
	s = strings.TrimSpace(s)
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e < -400 || e > 400 {
			return 16 // not a plain exponent: round by significant digits
		}
		s, exp = s[:i], e
	}
	d := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		d = len(s) - i - 1
	}
	return max(d-exp, 0)
}

// durationUnit picks the largest of s, ms, us, ns in which both from and
// step are whole, so that values print as the user wrote them (5ms, 10ms).
func durationUnit(from, step time.Duration) time.Duration {
	for _, u := range []time.Duration{time.Second, time.Millisecond, time.Microsecond} {
		if from%u == 0 && step%u == 0 {
			return u
		}
	}
	return time.Nanosecond
}

func formatDuration(d, unit time.Duration) string {
	suffix := map[time.Duration]string{time.Second: "s", time.Millisecond: "ms", time.Microsecond: "us", time.Nanosecond: "ns"}[unit]
	return strconv.FormatInt(int64(d/unit), 10) + suffix
}

// knownPath reports whether a dotted path names a setting of the schema.
func knownPath(p string) bool {
	parts := strings.Split(p, ".")
	has := func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	}
	switch parts[0] {
	case "description", "seed", "runs", "stop_after", "max_events", "profile", "name":
		return len(parts) == 1
	case "connections":
		return len(parts) == 1 || (len(parts) == 2 && (parts[1] == "count" || parts[1] == "every" || parts[1] == "arrivals" || parts[1] == "sample"))
	case "link":
		rest := parts[1:]
		if len(rest) > 0 && (rest[0] == "forward" || rest[0] == "reverse") {
			rest = rest[1:]
		}
		switch {
		case len(rest) == 1:
			return has(linkKeys[:7], rest[0])
		case len(rest) == 2 && rest[0] == "jitter":
			return has(jitterKeys, rest[1])
		case len(rest) == 2 && rest[0] == "loss":
			return has(lossKeys, rest[1])
		}
		return false
	case "client", "server":
		switch {
		case len(parts) == 2:
			return parts[1] == "profile"
		case len(parts) == 3 && parts[1] == "tcp":
			return has(TCPSettingNames(), parts[2])
		case len(parts) == 3 && parts[1] == "host":
			return has(hostKeys, parts[2])
		}
	}
	return false
}

// allPaths lists every dotted path knownPath accepts, for suggestions.
func allPaths() []string {
	out := []string{"description", "seed", "runs", "stop_after", "max_events", "profile", "connections", "connections.count", "connections.every", "connections.arrivals", "connections.sample"}
	for _, pre := range []string{"link.", "link.forward.", "link.reverse."} {
		for _, k := range linkKeys[:7] {
			out = append(out, pre+k)
		}
		for _, k := range jitterKeys {
			out = append(out, pre+"jitter."+k)
		}
		for _, k := range lossKeys {
			out = append(out, pre+"loss."+k)
		}
	}
	for _, side := range []string{"client", "server"} {
		out = append(out, side+".profile")
		for _, k := range hostKeys {
			out = append(out, side+".host."+k)
		}
		for _, k := range TCPSettingNames() {
			out = append(out, side+".tcp."+k)
		}
	}
	return out
}
