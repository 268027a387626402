package tcp

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
)

// pair is a test bench: a client and a server host joined by a wire with a
// fixed one-way delay and optional scripted loss. It records every segment
// sent (with relative sequence numbers), every state change and every
// application event, so that tests can assert the exact exchange.
type pair struct {
	t      *testing.T
	sched  *engine.Scheduler
	delay  time.Duration
	client *Host
	server *Host
	cp, sp *Process
	// drop decides whether the n-th segment (0-based) a side transmits is lost.
	drop  func(side string, n int, seg *Segment) bool
	sent  map[string]int
	lines []string // segments, one per line
	state []string // state changes
	apps  []string // application events
	// compact: both hosts compact (Host.SetCompact), as early as they
	// can: before every delivery (see compact_test.go).
	compact bool
}

type pairObserver struct{ p *pair }

func (o pairObserver) Segment(now engine.Time, e *Endpoint, seg *Segment, ev SegmentEvent) {}
func (o pairObserver) State(now engine.Time, e *Endpoint, from, to State) {
	o.p.state = append(o.p.state, fmt.Sprintf("%s %s %s", ms(now), e.host.Name, to))
}
func (o pairObserver) App(now engine.Time, h *Host, e *Endpoint, ev AppEvent) {
	who := h.Name
	if ev.Proc > 1 {
		who += fmt.Sprintf("[%d]", ev.Proc)
	}
	s := fmt.Sprintf("%s %s %s", ms(now), who, ev.Call)
	if ev.Result != "" {
		s += " " + ev.Result
	}
	o.p.apps = append(o.p.apps, s)
}
func (o pairObserver) TimerGaveUp(now engine.Time, e *Endpoint, why string) {
	o.p.state = append(o.p.state, fmt.Sprintf("%s %s gave up: %s", ms(now), e.host.Name, why))
}

func ms(t engine.Time) string { return fmt.Sprintf("%.3f", float64(t)/1e6) }

// newPair builds the bench. Host randomness comes from seed; hz from the settings.
func newPair(t *testing.T, delay time.Duration, cs, ss Settings, seed uint64) *pair {
	p := &pair{t: t, sched: engine.NewScheduler(), delay: delay, sent: map[string]int{}}
	obs := pairObserver{p}
	p.client = NewHost("client", p.sched, engine.NewStream(seed, "client"), cs.HZ, func(_ *Endpoint, seg *Segment, rtx bool) { p.wire("client", seg, rtx) }, obs)
	p.server = NewHost("server", p.sched, engine.NewStream(seed, "server"), ss.HZ, func(_ *Endpoint, seg *Segment, rtx bool) { p.wire("server", seg, rtx) }, obs)
	return p
}

func (p *pair) peer(side string) *Host {
	if side == "client" {
		return p.server
	}
	return p.client
}

func (p *pair) isn(h *Host) uint32 {
	if e := h.LastEndpoint(); e != nil {
		return e.ISN()
	}
	return 0
}

func (p *pair) wire(side string, seg *Segment, rtx bool) {
	n := p.sent[side]
	p.sent[side]++
	from, to := p.client, p.server
	arrow := "C>S"
	if side == "server" {
		from, to, arrow = p.server, p.client, "S>C"
	}
	lost := p.drop != nil && p.drop(side, n, seg)
	line := fmt.Sprintf("%s %s %s seq=%d ack=%d len=%d", ms(p.sched.Now()), arrow, seg.Flags, seg.Seq-p.isn(from), relAck(seg, p.isn(to)), seg.Len)
	if rtx {
		line += " rtx"
	}
	if lost {
		line += " lost"
	}
	p.lines = append(p.lines, line)
	if lost {
		return
	}
	c := *seg
	p.sched.At(p.sched.Now().Add(p.delay), func(engine.Time, uint64) {
		if p.compact {
			p.client.compactPending()
			p.server.compactPending()
		}
		to.Input(&c)
	}, 0)
}

func relAck(seg *Segment, isn uint32) uint32 {
	if seg.Flags&ACK == 0 {
		return 0
	}
	return seg.Ack - isn
}

// run starts client and server processes and runs until nothing is left to do
// or the horizon.
func (p *pair) run(cops, sops []Op, cs, ss Settings, horizon time.Duration) engine.Result {
	p.t.Helper()
	var err error
	if p.sp, err = p.server.Spawn(80, ss, sops); err != nil {
		p.t.Fatal(err)
	}
	if p.cp, err = p.client.Spawn(80, cs, cops); err != nil {
		p.t.Fatal(err)
	}
	return p.sched.Run(engine.Limits{Horizon: engine.Time(horizon), Events: 1e6})
}

func (p *pair) cep() *Endpoint { return p.cp.Endpoint() }
func (p *pair) sep() *Endpoint { return p.sp.Endpoint() }

// expectLines compares the recorded segments with want, line by line.
func expectLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") == strings.Join(want, "\n") {
		return
	}
	t.Errorf("%s differ\n got:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
}

// linux is Linux's profile with exact timers, without timestamps, so that
// expected segments carry whole MSS-sized payloads (1460 bytes), and
// without tail loss probes, so that losses are repaired by the RTO and
// fast retransmit alone; tests of the tick, timestamps and probes turn them
// back on.
func linux(mod ...func(*Settings)) Settings {
	s, _ := Profile("linux")
	s.HZ = 0
	s.Timestamps = false
	s.TailLossProbe = false
	for _, m := range mod {
		m(&s)
	}
	return s
}

func profile(name string, mod ...func(*Settings)) Settings {
	s, _ := Profile(name)
	s.HZ = 0
	for _, m := range mod {
		m(&s)
	}
	return s
}

// Common programs.
var (
	opConnect = Op{Kind: OpConnect}
	opAccept  = Op{Kind: OpAccept}
	opClose   = Op{Kind: OpClose}
	opReadEOF = Op{Kind: OpRead, Read: ReadEOF}
)

func opSend(n int64) Op             { return Op{Kind: OpSend, Size: n} }
func opSleep(d time.Duration) Op    { return Op{Kind: OpSleep, Duration: d} }
func opRead(n int64) Op             { return Op{Kind: OpRead, Read: ReadBytes, Size: n} }
func opShutdown(how ShutdownHow) Op { return Op{Kind: OpShutdown, How: how} }
func opSetQuickAck(on bool) Op      { return Op{Kind: OpSet, Set: SetOptions{QuickAck: &on}} }
func opSetLinger(d time.Duration) Op {
	return Op{Kind: OpSet, Set: SetOptions{Linger: &Linger{On: true, Timeout: d}}}
}
func ops(o ...Op) []Op { return o }
