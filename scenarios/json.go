package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/emu-sim/emu/internal/units"
	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/tcp"
)

// object is a JSON object that keeps its keys in the order given, so that
// summary.json reads like the scenario file and never depends on map order.
type object []field

type field struct {
	key string
	val any
}

// MarshalJSON writes the fields in order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(f.val)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// MarshalJSON writes the resolved configuration in the scenario file's terms:
// durations, sizes and rates as strings a scenario accepts, every TCP
// setting by its YAML name, actions as in a do: list.
func (c *RunConfig) MarshalJSON() ([]byte, error) {
	return json.Marshal(object{
		{"name", c.Name},
		{"description", c.Description},
		{"seed", c.Seed},
		{"runs", c.Runs},
		{"stop_after", units.FormatDuration(c.StopAfter)},
		{"max_events", c.MaxEvents},
		{"profile", c.Profile},
		{"link", object{{"forward", linkJSON(&c.Link.Forward)}, {"reverse", linkJSON(&c.Link.Reverse)}}},
		{"connections", object{{"count", c.Connections.Count}, {"every", units.FormatDuration(c.Connections.Every)}, {"arrivals", map[bool]string{false: "fixed", true: "poisson"}[c.Connections.Poisson]}, {"sample", units.FormatDuration(c.Connections.Sample)}}},
		{"client", endpointJSON(&c.Client)},
		{"server", endpointJSON(&c.Server)},
	})
}

func linkJSON(l *netlink.Config) object {
	rate := "unlimited"
	if l.Rate > 0 {
		rate = units.FormatRate(l.Rate)
	}
	o := object{{"delay", units.FormatDuration(l.Delay)}}
	o = append(o, field{"jitter", jitterJSON(l.Jitter)})
	switch l.Loss.Model {
	case netlink.LossNone:
		o = append(o, field{"loss", 0})
	case netlink.LossBernoulli:
		o = append(o, field{"loss", object{{"model", l.Loss.Model}, {"p", l.Loss.P}}})
	case netlink.LossGilbertElliott:
		o = append(o, field{"loss", object{{"model", l.Loss.Model}, {"p", l.Loss.P}, {"r", l.Loss.R}, {"bad_loss", l.Loss.BadLoss}, {"good_loss", l.Loss.GoodLoss}}})
	}
	return append(o, field{"rate", rate}, field{"queue", l.Queue}, field{"mtu", l.MTU}, field{"reorder", l.Reorder})
}

// jitterJSON writes a distribution (a link's jitter, a random sleep) in the
// form the scenario file accepts; nil for none.
func jitterJSON(j netlink.Jitter) any {
	switch j.Dist {
	case netlink.JitterFixed:
		return object{{"dist", j.Dist}, {"value", units.FormatDuration(j.Value)}}
	case netlink.JitterUniform:
		return object{{"dist", j.Dist}, {"min", units.FormatDuration(j.Min)}, {"max", units.FormatDuration(j.Max)}}
	case netlink.JitterNormal:
		return object{{"dist", j.Dist}, {"mean", units.FormatDuration(j.Mean)}, {"stddev", units.FormatDuration(j.Stddev)}}
	case netlink.JitterExponential:
		return object{{"dist", j.Dist}, {"mean", units.FormatDuration(j.Mean)}}
	case netlink.JitterPareto:
		return object{{"dist", j.Dist}, {"scale", units.FormatDuration(j.Scale)}, {"shape", j.Shape}}
	}
	return nil
}

func endpointJSON(e *Endpoint) object {
	var settings object
	kinds := TCPSettingInfos()
	for i, s := range ListTCP(&e.TCP) {
		settings = append(settings, field{s.Name, typedSetting(kinds[i].Kind, s.Value)})
	}
	do := make([]any, 0, len(e.Do))
	for i := range e.Do {
		do = append(do, opJSON(&e.Do[i]))
	}
	var wake any
	if j, ok := e.Host.WakeupLatency.(netlink.Jitter); ok {
		wake = jitterJSON(j)
	}
	host := object{{"port_range", fmt.Sprintf("%d-%d", e.Host.PortLow, e.Host.PortHigh)}, {"tw_reuse", e.Host.TWReuse}, {"max_tw_buckets", e.Host.MaxTWBuckets}, {"wakeup_latency", wake}}
	return object{{"profile", e.Profile}, {"tcp", settings}, {"host", host}, {"listen", !e.NoListen}, {"do", do}}
}

func opJSON(op *tcp.Op) any {
	switch op.Kind {
	case tcp.OpSend:
		return object{{"send", units.FormatSize(op.Size)}}
	case tcp.OpRead:
		switch op.Read {
		case tcp.ReadEOF:
			return object{{"read", "eof"}}
		case tcp.ReadAvailable:
			return object{{"read", "available"}}
		}
		return object{{"read", units.FormatSize(op.Size)}}
	case tcp.OpSleep:
		if j, ok := op.Dist.(netlink.Jitter); ok {
			return object{{"sleep", jitterJSON(j)}}
		}
		return object{{"sleep", units.FormatDuration(op.Duration)}}
	case tcp.OpFork:
		child := make([]any, 0, len(op.Fork))
		for i := range op.Fork {
			child = append(child, opJSON(&op.Fork[i]))
		}
		return object{{"fork", child}}
	case tcp.OpShutdown:
		return object{{"shutdown", map[tcp.ShutdownHow]string{tcp.ShutWrite: "write", tcp.ShutRead: "read", tcp.ShutBoth: "both"}[op.How]}}
	case tcp.OpWaitEOF:
		return object{{"wait", "eof"}}
	case tcp.OpSet:
		var o object
		if op.Set.QuickAck != nil {
			o = append(o, field{"quickack", *op.Set.QuickAck})
		}
		if op.Set.NoDelay != nil {
			o = append(o, field{"nodelay", *op.Set.NoDelay})
		}
		if ig := op.Set.SigpipeIgnore; ig != nil {
			o = append(o, field{"sigpipe", map[bool]string{true: "ignore", false: "terminate"}[*ig]})
		}
		if l := op.Set.Linger; l != nil {
			if l.On {
				o = append(o, field{"linger", units.FormatDuration(l.Timeout)})
			} else {
				o = append(o, field{"linger", "off"})
			}
		}
		return object{{"set", o}}
	}
	return op.Kind.String()
}

// typedSetting writes a setting as JSON's own type where it has one:
// booleans as true/false, counts and sizes (bytes) as numbers; durations
// and names stay text, in the form the scenario file takes ("40ms").
func typedSetting(kind, value string) any {
	switch kind {
	case "bool":
		if b, err := strconv.ParseBool(value); err == nil {
			return b
		}
	case "int", "size":
		if n, err := strconv.ParseInt(value, 10, 64); err == nil {
			return n
		}
	}
	return value
}
