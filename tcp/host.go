package tcp

import (
	"fmt"
	"time"

	"github.com/emu-sim/emu/engine"
)

// Output carries a segment from a host onto the network. rtx marks a
// retransmission. The segment is only valid during the call; the link copies it.
type Output func(seg *Segment, rtx bool)

// Host is one machine's TCP stack: it demultiplexes arriving segments to its
// endpoints and listeners, and answers segments for connections it does not
// have with RST (RFC 9293 3.10.7.1), as a kernel does.
type Host struct {
	Name  string // "client" or "server"; shown in traces
	sched *engine.Scheduler
	rng   *engine.Stream
	out   Output
	obs   Observer

	endpoints []*Endpoint // live endpoints: CLOSED ones are removed
	listeners []*Listener
	last      *Endpoint // the endpoint created last

	// Kernel timer tick (Settings.HZ) and this host's tick phase: timers fire
	// on tick boundaries phase + k*tick, as jiffies-based kernel timers do.
	tick  time.Duration
	phase time.Duration

	nextPort uint16

	tx Segment // the segment being transmitted (see Endpoint.transmit)
	rx Segment // the segment being received (see Input)
}

// NewHost returns a host whose randomness (ISNs, tick phase, ports) comes from
// rng. hz is the kernel timer tick rate (0 = exact timers).
func NewHost(name string, sched *engine.Scheduler, rng *engine.Stream, hz int, out Output, obs Observer) *Host {
	h := &Host{Name: name, sched: sched, rng: rng, out: out, obs: obs}
	if hz > 0 {
		h.tick = time.Second / time.Duration(hz)
		h.phase = time.Duration(rng.Int64N(int64(h.tick)))
	}
	// Linux's default ip_local_port_range is 32768-60999.
	h.nextPort = uint16(32768 + rng.IntN(60999-32768+1))
	return h
}

// Scheduler returns the host's scheduler.
func (h *Host) Scheduler() *engine.Scheduler { return h.sched }

// Now returns the current virtual time.
func (h *Host) Now() engine.Time { return h.sched.Now() }

// Endpoints returns the host's live (not CLOSED) endpoints.
func (h *Host) Endpoints() []*Endpoint { return h.endpoints }

// LastEndpoint returns the endpoint created last, live or not, or nil.
func (h *Host) LastEndpoint() *Endpoint { return h.last }

// release forgets a CLOSED endpoint, so that a long run with many
// connections keeps no state for connections that are gone.
func (h *Host) release(e *Endpoint) {
	for i, x := range h.endpoints {
		if x == e {
			last := len(h.endpoints) - 1
			h.endpoints[i] = h.endpoints[last]
			h.endpoints[last] = nil
			h.endpoints = h.endpoints[:last]
			return
		}
	}
}

// Listener is a listening socket: it creates an endpoint for each SYN and
// queues established connections for accept.
type Listener struct {
	host     *Host
	port     uint16
	settings Settings
	queue    []*Endpoint // established, not yet accepted
	waiter   *Process    // a process blocked in accept
	closed   bool
}

// Listen opens a listening socket on port with the given settings for the
// connections it accepts.
func (h *Host) Listen(port uint16, s Settings) (*Listener, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("listen on port %d: %w", port, err)
	}
	for _, l := range h.listeners {
		if l.port == port && !l.closed {
			return nil, fmt.Errorf("listen on port %d: port in use", port)
		}
	}
	l := &Listener{host: h, port: port, settings: s}
	h.listeners = append(h.listeners, l)
	return l, nil
}

// Accept takes an established connection from the queue, or returns nil.
func (l *Listener) Accept() *Endpoint {
	if len(l.queue) == 0 {
		return nil
	}
	e := l.queue[0]
	copy(l.queue, l.queue[1:])
	l.queue = l.queue[:len(l.queue)-1]
	return e
}

// Close stops listening. Connections not yet accepted are reset, as Linux does
// when a listener closes with a non-empty accept queue.
func (l *Listener) Close() {
	l.closed = true
	for _, e := range l.queue {
		e.abort()
	}
	l.queue = nil
}

func (l *Listener) established(e *Endpoint) {
	l.queue = append(l.queue, e)
	if l.waiter != nil {
		l.waiter.wake()
	}
}

// Input delivers a segment that arrived from the network. The segment is
// copied, so the caller's copy does not escape.
func (h *Host) Input(in *Segment) {
	h.rx = *in
	seg := &h.rx
	for _, e := range h.endpoints {
		if e.localPort == seg.DstPort && e.remotePort == seg.SrcPort {
			e.input(seg)
			return
		}
	}
	if seg.Flags&SYN != 0 && seg.Flags&(ACK|RST) == 0 {
		for _, l := range h.listeners {
			if l.port == seg.DstPort && !l.closed {
				h.passiveOpen(l, seg)
				return
			}
		}
	}
	h.noConnection(seg)
}

// noConnection answers a segment for a connection this host does not have
// (a closed port, or a connection that is gone) with RST, per RFC 9293
// 3.10.7.1. An arriving RST is never answered.
func (h *Host) noConnection(seg *Segment) {
	if h.obs != nil {
		h.obs.Segment(h.sched.Now(), nil, seg, SegReceived)
	}
	if seg.Flags&RST != 0 {
		return
	}
	h.sendReset(seg)
}

// sendReset sends the RST that answers seg: with seg's ACK number as its
// sequence number if seg had ACK, otherwise seq 0 with an ACK of everything
// seg occupied (RFC 9293 3.10.7.1; Linux tcp_v4_send_reset).
func (h *Host) sendReset(seg *Segment) {
	rst := &h.tx
	*rst = Segment{SrcPort: seg.DstPort, DstPort: seg.SrcPort, Flags: RST}
	if seg.Flags&ACK != 0 {
		rst.Seq = seg.Ack
	} else {
		rst.Flags |= ACK
		rst.Ack = seg.Seq + seg.SeqLen()
	}
	if h.obs != nil {
		h.obs.Segment(h.sched.Now(), nil, rst, SegSent)
	}
	h.out(rst, false)
}

// ephemeralPort returns the next local port for an active open.
func (h *Host) ephemeralPort() uint16 {
	p := h.nextPort
	h.nextPort++
	if h.nextPort > 60999 || h.nextPort < 32768 {
		h.nextPort = 32768
	}
	return p
}

// deadline returns when a kernel timer armed now for d fires. With a tick,
// Linux timers count jiffies and the timer wheel rounds the expiry up by one
// tick, so a timer for d fires at the first tick boundary after now+d
// (40 ms → 40–44 ms at HZ=250), and a timer for 0 at the next tick.
func (h *Host) deadline(d time.Duration) engine.Time {
	now := h.sched.Now()
	if h.tick == 0 {
		return now.Add(d)
	}
	t := int64(h.tick)
	rel := int64(now) - int64(h.phase)
	j := rel / t
	if rel < 0 && rel%t != 0 {
		j--
	}
	n := (int64(d) + t - 1) / t
	return engine.Time(int64(h.phase) + (j+n+1)*t)
}
