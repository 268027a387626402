package tcp

import (
	"fmt"
	"time"

	"github.com/emu-sim/emu/engine"
)

// Output carries a segment from a host onto the network. e is the endpoint
// that sent it, or nil for a RST the host sends for a connection it does
// not have; rtx marks a retransmission. The segment is only valid during the
// call; the link copies it.
type Output func(e *Endpoint, seg *Segment, rtx bool)

// Host is one machine's TCP stack: it demultiplexes arriving segments to its
// endpoints and listeners, and answers segments for connections it does not
// have with RST (RFC 9293 3.10.7.1), as a kernel does.
type Host struct {
	Name  string // "client" or "server"; shown in traces
	sched *engine.Scheduler
	rng   *engine.Stream
	app   *engine.Stream // random sleeps of the host's processes (SetAppRandom)
	out   Output
	obs   Observer

	cfg       HostSettings
	conns     connTable // live endpoints by connKey; CLOSED ones are removed
	listeners []*Listener
	last      *Endpoint // the endpoint created last

	inState      [NumStates]int // live endpoints (those in conns) per state
	timeWait     int            // endpoints in TIME_WAIT now
	peakTimeWait int
	twOverflows  int     // TIME_WAITs not held because max_tw_buckets was reached
	twQueue      twQueue // TIME_WAIT endpoints in order of entry (lazily pruned)

	ephemeralInUse  int // live endpoints holding an ephemeral port
	connectFailures int // connects that never reached ESTABLISHED

	// Kernel timer tick (Settings.HZ), this host's tick phase and its
	// jiffies counter at time 0: timers fire on tick boundaries
	// phase + k*tick, as jiffies-based kernel timers do (see timers.go).
	tick    time.Duration
	phase   time.Duration
	jiffy0  int64
	timerRN *engine.Stream // draws for late timer expiries (SetTimerRandom)

	nextPort uint16 // where the next search for a free ephemeral port starts
	procs    int    // processes created so far (their IDs)

	// ISN state (isn.go), drawn at the first connection.
	isnReady  bool
	isnKey    uint64
	isnClock  int64  // the host's clock at virtual time 0, in ns
	isnOffset uint32 // FreeBSD's host-wide offset
	tsOffset  uint32 // added to the timestamp clock (secure_tcp_ts_off)
	reuseSeq  uint32 // ISN for the connection taking over a TIME_WAIT port; 0 = none

	// shared holds one copy of each distinct Settings the host's
	// endpoints, processes and listeners use, so that a run of a million
	// connections does not copy the settings into every one of them.
	shared []*Settings

	// Compaction (compact.go): whether it is on, the endpoints that may
	// have become compactable, and the conns ready for reuse.
	compact   bool
	toCompact []*Endpoint
	free      []*conn
	freeEps   []*Endpoint // endpoints that are done, to be reused (newHeader)
	compacted int         // endpoints compacted so far (for tests)
	// Likewise for processes (Process.Detach).
	toRecycle []*Process
	freeProcs []*Process
	// Reuse across runs (reuse.go): the objects made, given back by Reset.
	made          madeObjects
	freeLis       []*Listener
	spareSettings []*Settings

	// OnClosed, if set, is called when one of the host's endpoints reaches
	// CLOSED.
	OnClosed func(e *Endpoint)

	tx Segment // the segment being transmitted (see Endpoint.transmit)
	rx Segment // the segment being received (see Input)
}

// HostSettings are a host's settings that are not per connection (Linux
// sysctls under net.ipv4).
type HostSettings struct {
	PortLow, PortHigh uint16 // ip_local_port_range
	// TWReuse is tcp_tw_reuse: 0 off, 1 on, 2 loopback only (Linux's
	// default). emu's links are never loopback, so 2 acts as 0. When on, a
	// connect may take the port of a TIME_WAIT connection to the same peer
	// that is at least 1 s old and used timestamps.
	TWReuse int
	// MaxTWBuckets is tcp_max_tw_buckets: beyond this many TIME_WAIT
	// sockets, a closing connection skips TIME_WAIT.
	MaxTWBuckets int
	// WakeupLatency, when set, delays every wake-up of the host's
	// processes (a blocking call returning, a sleep ending) by a draw from
	// it, as the scheduler of a loaded machine does; nil is an idle host.
	WakeupLatency DurationDist
}

// DefaultHostSettings are Linux's defaults.
func DefaultHostSettings() HostSettings {
	return HostSettings{PortLow: 32768, PortHigh: 60999, TWReuse: 2, MaxTWBuckets: 262144}
}

// Validate reports settings that cannot work.
func (c *HostSettings) Validate() error {
	switch {
	case c.PortLow == 0 || c.PortHigh < c.PortLow:
		return fmt.Errorf("port range %d-%d is empty (write e.g. 32768-60999)", c.PortLow, c.PortHigh)
	case c.TWReuse < 0 || c.TWReuse > 2:
		return fmt.Errorf("tw_reuse %d is not 0, 1 or 2", c.TWReuse)
	case c.MaxTWBuckets < 0:
		return fmt.Errorf("max_tw_buckets %d is negative", c.MaxTWBuckets)
	}
	return nil
}

// connKey identifies a connection on a host: local and remote port (emu's
// hosts have one address each).
func connKey(local, remote uint16) uint32 { return uint32(local)<<16 | uint32(remote) }

// NewHost returns a host with Linux's default host settings whose randomness
// (ISNs, tick phase, ports) comes from rng. hz is the kernel timer tick rate
// (0 = exact timers).
func NewHost(name string, sched *engine.Scheduler, rng *engine.Stream, hz int, out Output, obs Observer) *Host {
	h := &Host{}
	h.Reset(name, sched, rng, hz, out, obs)
	return h
}

// Reset makes h a new host with no connections or listeners, as NewHost
// does, but keeps its storage, so that a worker running many runs does not
// allocate a host per run.
func (h *Host) Reset(name string, sched *engine.Scheduler, rng *engine.Stream, hz int, out Output, obs Observer) {
	h.conns.reset()
	h.twQueue.reset()
	clear(h.toCompact)
	clear(h.toRecycle)
	clear(h.listeners)
	spareSettings := h.keepSettings()
	if sched == h.sched {
		h.reuseAll() // the last run's objects, for the next (reuse.go)
	} else {
		h.made = madeObjects{}
	}
	free, freeProcs, freeEps, freeLis := h.free, h.freeProcs, h.freeEps, h.freeLis
	if sched != h.sched {
		free, freeProcs, freeEps, freeLis = nil, nil, nil, nil // their timers belong to the old scheduler
	}
	*h = Host{Name: name, sched: sched, rng: rng, out: out, obs: obs, conns: h.conns,
		listeners: h.listeners[:0], twQueue: h.twQueue, toCompact: h.toCompact[:0], free: free,
		toRecycle: h.toRecycle[:0], freeProcs: freeProcs, freeEps: freeEps,
		made: h.made, freeLis: freeLis, shared: h.shared[:0], spareSettings: spareSettings}
	if hz > 0 {
		h.tick = time.Second / time.Duration(hz)
		// One draw gives both where in its tick time 0 falls and how many
		// ticks the kernel had counted by then, which decides how the
		// timer wheel's coarse levels round an expiry.
		x := rng.Int64N(int64(h.tick) << jiffyBits)
		h.phase = time.Duration(x % int64(h.tick))
		h.jiffy0 = x / int64(h.tick)
	}
	h.Configure(DefaultHostSettings())
}

// SetAppRandom gives the host's processes their own random stream for sleeps
// drawn from a distribution, so that adding a random wait to a program does
// not shift the host's other draws (ISNs, ports). Without it they draw from
// the host's stream. Reset clears it.
func (h *Host) SetAppRandom(rng *engine.Stream) { h.app = rng }

func (h *Host) appRand() *engine.Stream {
	if h.app != nil {
		return h.app
	}
	return h.rng
}

// Configure sets the host settings; call it before the host's first
// connection.
func (h *Host) Configure(c HostSettings) {
	h.cfg = c
	n := int(c.PortHigh) - int(c.PortLow) + 1
	// Linux starts its search at a hashed offset; a random one models it.
	h.nextPort = c.PortLow + uint16(h.rng.IntN(n))
}

// TimeWaitCount returns the number of TIME_WAIT sockets now and the most
// there were at once.
func (h *Host) TimeWaitCount() (now, peak int) { return h.timeWait, h.peakTimeWait }

// Scheduler returns the host's scheduler.
func (h *Host) Scheduler() *engine.Scheduler { return h.sched }

// Now returns the current virtual time.
func (h *Host) Now() engine.Time { return h.sched.Now() }

// Live returns the number of live (not CLOSED) endpoints.
func (h *Host) Live() int { return h.conns.n }

// LastEndpoint returns the endpoint created last, live or not, or nil.
func (h *Host) LastEndpoint() *Endpoint { return h.last }

// release forgets a CLOSED endpoint, so that a long run with many
// connections keeps no state for connections that are gone.
func (h *Host) release(e *Endpoint) {
	if e.listed {
		h.conns.remove(e)
		h.inState[e.state]--
		if e.active {
			h.ephemeralInUse--
		}
	}
}

// StateCounts adds the host's live endpoints to counts, by state. The
// counts are kept as endpoints change state, so sampling them costs nothing
// however many connections a host holds.
func (h *Host) StateCounts(counts *[NumStates]int) {
	for s, n := range h.inState {
		counts[s] += n
	}
}

// stateChanged keeps the host's books when one of its endpoints moves from
// one state to another: sockets per state, the TIME_WAIT count and queue
// (for tcp_max_tw_buckets and tw_reuse), failed connects; a closed
// endpoint is forgotten and reported to OnClosed.
func (h *Host) stateChanged(e *Endpoint, from, to State) {
	if e.listed {
		h.inState[from]--
		h.inState[to]++
	}
	switch {
	case to == TimeWait:
		h.timeWait++
		h.peakTimeWait = max(h.peakTimeWait, h.timeWait)
		h.twQueue.push(e)
	case to == Closed:
		if from == TimeWait {
			h.timeWait--
		}
		if e.active && e.seen&(1<<Established) == 0 {
			h.connectFailures++
		}
		h.release(e)
		if h.OnClosed != nil {
			h.OnClosed(e)
		}
	}
}

// shareSettings returns the host's copy of s, validated the first time the
// host sees those settings.
func (h *Host) shareSettings(s *Settings) (*Settings, error) {
	for _, c := range h.shared {
		if *c == *s {
			return c, nil
		}
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	c := h.newSettings()
	*c = *s
	h.shared = append(h.shared, c)
	return c, nil
}

// ConnectFailures returns how many connects on this host failed: no free
// port, refused, or timed out before the connection was established.
func (h *Host) ConnectFailures() int { return h.connectFailures }

// Input delivers a segment that arrived from the network. The segment is
// copied, so the caller's copy does not escape.
func (h *Host) Input(in *Segment) {
	h.rx = *in
	seg := &h.rx
	if e := h.conns.get(connKey(seg.DstPort, seg.SrcPort)); e != nil {
		newer := seqGT(seg.Seq, e.rcvNxt) || e.tsOK && seg.TS && int32(seg.TSVal-e.tsRecent) > 0
		if e.state == TimeWait && seg.Flags&(SYN|ACK|RST) == SYN && newer && h.listening(seg.DstPort) {
			// A new SYN above the old connection's sequence numbers, or
			// with a newer timestamp, may reopen a connection in
			// TIME_WAIT (RFC 1122 4.2.2.13, RFC 6191; Linux
			// tcp_timewait_state_process, TCP_TW_SYN).
			e.setState(Closed)
		} else {
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
	h.out(nil, rst, false)
}

func (h *Host) now() engine.Time { return h.sched.Now() }
