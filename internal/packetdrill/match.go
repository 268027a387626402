package packetdrill

import (
	"fmt"
	"strings"
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/tcp"
	"github.com/emu-sim/emu/tcp/scripted"
)

// needs names the first thing the script needs that emu does not model, or
// "" when it needs nothing of the sort.
func needs(sc *Script, opt Options) string {
	if sc.Needs != "" {
		return sc.Needs
	}
	for i := range sc.Events {
		ev := &sc.Events[i]
		at := fmt.Sprintf(" (line %d)", ev.Line)
		if c := ev.Call; c != nil {
			if !supportedCalls[c.Name] {
				return "system call " + c.Name + at
			}
			if f := callNeeds(c); f != "" {
				return f + at
			}
			continue
		}
		p := ev.Packet
		switch {
		case p == nil:
			continue
		case p.Protocol != "":
			if strings.HasPrefix(p.Protocol, "IP ") {
				return p.Protocol + at
			}
			return p.Protocol + " packets" + at
		case p.ECN:
			return "ECN" + at
		case p.Urgent:
			return "urgent data" + at
		}
		for _, o := range p.Options {
			switch o.Kind {
			case OptSACK:
				return "SACK blocks" + at
			case OptFastOpen:
				return "TCP Fast Open" + at
			case OptMD5:
				return "TCP MD5 signatures" + at
			case OptTS:
				if opt.Strict && !p.Inbound {
					return "TS values under --strict: emu does not model timestamps" + at
				}
			}
		}
	}
	return ""
}

// tsNegotiated and wsNegotiated: both sides offered the option.
func (r *runner) tsNegotiated() bool { return r.offer.ts && r.model.has(OptTS) }
func (r *runner) wsNegotiated() bool { return r.offer.wscale && r.model.has(OptWScale) }

// inject puts a `<` line on the wire.
func (r *runner) inject(ev *Event) {
	p := ev.Packet
	seg := scripted.Seg{Flags: p.Flags, Seq: p.Seq, Len: p.Len, Win: p.Win}
	if p.HasAck {
		seg.Ack = p.Ack
	}
	for _, o := range p.Options {
		if o.Kind == OptTS {
			// emu models the option's presence: negotiated, it costs
			// every segment 12 bytes of payload (tcp_current_mss) and
			// decides tw_reuse and SYNs in TIME_WAIT.
			seg.TS, seg.TSVal, seg.TSEcr = true, o.Val, o.Ecr
		}
	}
	if p.Flags&tcp.SYN != 0 {
		r.offer = offerOf(p.Options)
		for _, o := range p.Options {
			if o.Kind == OptMSS {
				seg.MSS = uint16(o.Value)
			}
		}
	} else if r.wsNegotiated() {
		seg.Win = p.Win << r.offer.shift
	}
	r.peer.Inject(seg)
}

// expect takes the next segment emu sent and compares it with a `>` line.
func (r *runner) expect(ev *Event, start, end engine.Time, tol time.Duration, anyTime bool) {
	deadline := end.Add(tol + lateWait)
	if anyTime {
		deadline = r.sched.Now().Add(anyWait)
	}
	from := r.sched.Now()
	if !r.stepUntil(deadline, func() bool { return len(r.queue) > 0 }) {
		if r.fail != nil {
			return
		}
		why := fmt.Sprintf("waited until %s sec", secs(r.sched.Now()))
		if r.sched.Pending() == 0 {
			why = "nothing left to send: no timer is pending"
		}
		when := "at " + secs(start) + " sec"
		if anyTime {
			when = "at any time"
		} else if end != start {
			when = "from " + secs(start) + " to " + secs(end) + " sec"
		}
		r.failAt(ev, "nothing", "expected segment never came: expected %s, emu sent nothing from %s sec on (%s)", when, secs(from), why)
		return
	}
	got, n := r.merged(ev.Packet)
	r.queue = r.queue[n:]
	if n > 1 {
		r.note("back-to-back segments merged as TSO/GSO sends them")
	}
	if d := r.compare(ev.Packet, got); len(d) > 0 {
		r.failAt(ev, r.describe(got), "emu's segment at %s sec differs: %s", secs(got.At), strings.Join(d, "; "))
		return
	}
	if anyTime {
		return
	}
	if got.At < start.Add(-tol) || got.At > end.Add(tol) {
		if start == end {
			r.failAt(ev, r.describe(got), "timing error: expected outbound packet at %s sec but happened at %s sec; tolerance %s sec",
				secs(start), secs(got.At), secs(engine.Time(tol)))
		} else {
			r.failAt(ev, r.describe(got), "timing error: expected outbound packet in time range %s~%s sec but happened at %s sec; tolerance %s sec",
				secs(start), secs(end), secs(got.At), secs(engine.Time(tol)))
		}
	}
}

// merged returns the first queued segment, joined with the data segments
// emu sent right behind it at the same instant when the script expects
// more payload than one segment holds: a kernel with TSO/GSO (packetdrill's
// tun device has it) hands the whole burst over as one large segment, with
// the PSH or FIN of its last part. n is how many queued segments it took.
func (r *runner) merged(p *Packet) (got scripted.Sent, n int) {
	got, n = r.queue[0], 1
	for got.Seg.Len > 0 && p.Len > got.Seg.Len && n < len(r.queue) {
		nx := r.queue[n]
		if nx.At != got.At || nx.Seg.Len == 0 || nx.Seg.Seq != got.Seg.End() || nx.Seg.Ack != got.Seg.Ack ||
			nx.Seg.Flags&(tcp.SYN|tcp.RST|tcp.ACK) != got.Seg.Flags&(tcp.SYN|tcp.RST|tcp.ACK) ||
			got.Seg.Flags&tcp.FIN != 0 || got.Seg.Len+nx.Seg.Len > p.Len {
			break
		}
		got.Seg.Len += nx.Seg.Len
		got.Seg.Flags |= nx.Seg.Flags & (tcp.PSH | tcp.FIN)
		got.Seg.Win = nx.Seg.Win
		n++
	}
	return got, n
}

// emuOptions is the option list the profile's kernel would have put on s.
func (r *runner) emuOptions(s scripted.Sent) []Option {
	switch {
	case s.FromHost:
		return []Option{}
	case s.Seg.Flags&tcp.SYN != 0 && s.Seg.Flags&tcp.ACK == 0:
		return r.model.synOptions(uint32(s.Seg.MSS))
	case s.Seg.Flags&tcp.SYN != 0:
		if !r.offer.seen {
			return r.model.synOptions(uint32(s.Seg.MSS))
		}
		return r.model.synAck(uint32(s.Seg.MSS), r.offer)
	}
	return established(r.tsNegotiated())
}

// compare lists the differences between a `>` line and emu's segment.
func (r *runner) compare(p *Packet, s scripted.Sent) []string {
	var d []string
	g := s.Seg
	if g.Flags != p.Flags {
		d = append(d, fmt.Sprintf("flags %s, script %s", scripted.FlagString(g.Flags), scripted.FlagString(p.Flags)))
	}
	if g.Len != p.Len || g.Seq != p.Seq && !p.AnySeq {
		d = append(d, fmt.Sprintf("sequence %d:%d(%d), script %d:%d(%d)", g.Seq, g.End(), g.Len, p.Seq, p.Seq+uint32(p.Len), p.Len))
	}
	if p.Flags&tcp.ACK != 0 && g.Flags&tcp.ACK != 0 && g.Ack != p.Ack {
		d = append(d, fmt.Sprintf("ack %d, script %d", g.Ack, p.Ack))
	}
	if p.HasWin {
		switch {
		case !r.opt.Strict:
			r.note("windows not compared")
		case g.Flags&tcp.SYN == 0 && r.wsNegotiated():
			// The field holds the window shifted by the scale: emu's
			// byte window is not the kernel's, so this cannot be judged.
			r.unsupported("wscale arithmetic on an asserted window")
		default:
			w := min(g.Win, 65535)
			if w != p.Win {
				d = append(d, fmt.Sprintf("win %d, script %d", w, p.Win))
			}
		}
	}
	if p.AnyOptions {
		return d
	}
	return append(d, r.compareOptions(p.Options, r.emuOptions(s))...)
}

func (r *runner) compareOptions(want, got []Option) []string {
	kinds := func(l []Option) string {
		s := make([]string, len(l))
		for i, o := range l {
			s[i] = strings.Fields(o.String())[0]
		}
		return strings.Join(s, ",")
	}
	if kinds(want) != kinds(got) {
		return []string{fmt.Sprintf("options %s, script %s", orNone(optionsString(got, true)), orNone(optionsString(want, false)))}
	}
	var d []string
	for i, w := range want {
		g := got[i]
		switch w.Kind {
		case OptMSS:
			if g.Value != w.Value {
				d = append(d, fmt.Sprintf("mss %d, script %d", g.Value, w.Value))
			}
		case OptWScale:
			if g.Value != w.Value {
				if r.opt.Strict {
					d = append(d, fmt.Sprintf("wscale %d, script %d", g.Value, w.Value))
				} else {
					r.note(fmt.Sprintf("wscale value not compared (script %d, %s sends %d)", w.Value, r.opt.Profile, g.Value))
				}
			}
		case OptTS:
			r.note("TS values not compared")
		}
	}
	return d
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// describe writes emu's segment in the script's syntax with its time.
func (r *runner) describe(s scripted.Sent) string {
	g := s.Seg
	str := fmt.Sprintf("%s > %s %d:%d(%d)", secs(s.At), scripted.FlagString(g.Flags), g.Seq, g.End(), g.Len)
	if g.Flags&tcp.ACK != 0 {
		str += fmt.Sprintf(" ack %d", g.Ack)
	}
	str += fmt.Sprintf(" win %d", g.Win)
	if o := optionsString(r.emuOptions(s), true); o != "" {
		str += " " + o
	}
	return str
}
