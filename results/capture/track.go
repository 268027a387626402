package capture

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// QuietPeriod is how long, in capture time, a finished connection must see
// no packet before it is classified and forgotten. Segments can still
// follow the end: the last ACK's retransmission, RSTs answering data that
// was in flight. Two seconds covers Linux's 200 ms minimum RTO several
// times over on any path short of a satellite's.
const QuietPeriod = 2 * time.Second

// Second copies of one segment (the same packet captured on two
// interfaces, or on both hosts) are recognised within these windows. Over
// IPv4 a copy also carries the same IP identification, which a
// retransmission does not (Linux counts it per socket), so the window can
// be wide enough for the clocks of two hosts; without an identification
// (IPv6, or the 0 that Linux puts in some segments) it is kept below any
// retransmission timer.
const (
	DupWindowIPID = time.Second
	DupWindowNoID = time.Millisecond
)

// tracker assigns the TCP segments of one capture file to connections and
// hands each connection to its emit function once it is over.
type tracker struct {
	file   string
	emit   func(*Connection) error
	port   uint16 // keep only connections with this port at either end; 0 keeps all
	conns  map[key]*conn
	out    Connection // handed to emit, reused for every connection
	queue  []*conn    // finished connections waiting out QuietPeriod, roughly by finish time
	free   []*conn    // classified connections whose memory can be reused
	qHead  int
	nextID int64
	t0     int64 // capture time of the file's first TCP packet, ns
	haveT0 bool
	now    int64
	err    error // the first error emit returned

	Duplicates int64 // second copies dropped
	Segments   int64 // TCP segments assigned to connections
	PeakOpen   int   // the most connections held in memory at once
}

// newTracker returns a tracker for the file named file. emit receives every
// connection once it is classified; the Connection and its record are
// valid only during the call (their memory is reused). A port other than
// 0 keeps only connections with that port at one end.
func newTracker(file string, port uint16, emit func(*Connection) error) *tracker {
	return &tracker{file: file, emit: emit, port: port, conns: make(map[key]*conn)}
}

// rel converts a capture time to time since the file's first TCP packet.
func (t *tracker) rel(ns int64) engine.Time { return engine.Time(ns - t.t0) }

// add handles one decoded packet.
func (t *tracker) add(p *packet) {
	// Every packet moves the clock, those of other ports too: a
	// connection's silence is judged against the whole capture.
	if !t.haveT0 {
		t.t0, t.haveT0 = p.at, true
	}
	if p.at > t.now {
		t.now = p.at
	}
	if t.port != 0 && p.sport != t.port && p.dport != t.port {
		return
	}
	k, _ := keyOf(p)
	c := t.conns[k]
	isSYN := p.flags&(tcp.SYN|tcp.ACK|tcp.RST) == tcp.SYN
	if c != nil && isSYN && (!c.hasSYN || p.seq != c.synSeq) {
		// A new connection on the same 4-tuple (the port reused after
		// TIME_WAIT, or a SYN to a tuple seen only mid-connection).
		t.finish(c)
		if !c.queued {
			t.free = append(t.free, c)
		}
		c = nil
	}
	if c == nil {
		c = t.newConn(k, p)
	}
	s := c.side(p)
	if !c.add(s, p, t.rel(p.at)) {
		t.Duplicates++
		return
	}
	t.Segments++
	t.PeakOpen = max(t.PeakOpen, len(t.conns))
	if c.finished() && !c.queued {
		c.queued, c.queuedAt = true, c.last
		t.queue = append(t.queue, c)
	}
	t.expire()
}

// newConn starts tracking the connection of p's 4-tuple.
func (t *tracker) newConn(k key, p *packet) *conn {
	var c *conn
	if n := len(t.free); n > 0 {
		c = t.free[n-1]
		t.free = t.free[:n-1]
		*c = conn{segs: c.segs[:0]}
	} else {
		c = &conn{segs: make([]results.Segment, 0, 8)}
	}
	c.id, c.k, c.start, c.last = t.nextID, k, p.at, p.at
	t.nextID++
	src, dst := endpoint{p.src, p.sport}, endpoint{p.dst, p.dport}
	switch {
	case p.flags&(tcp.SYN|tcp.ACK) == tcp.SYN:
		c.client, c.hasSYN, c.synSeq = src, true, p.seq
	case p.flags&(tcp.SYN|tcp.ACK) == tcp.SYN|tcp.ACK:
		c.client = dst // the SYN was not captured; the SYN+ACK answers it
	case p.sport > p.dport || p.sport == p.dport && dst.less(src):
		c.client = src
	default:
		c.client = dst
	}
	t.conns[k] = c
	return c
}

// expire classifies the finished connections that have been quiet for
// QuietPeriod.
func (t *tracker) expire() {
	for n := len(t.queue) - t.qHead; n > 0 && t.qHead < len(t.queue); n-- {
		c := t.queue[t.qHead]
		if c.emitted {
			t.qHead++
			continue
		}
		if c.last != c.queuedAt {
			// Segments came after it was queued: wait again, from the back.
			t.qHead++
			c.queuedAt = c.last
			t.queue = append(t.queue, c)
			continue
		}
		if t.now-c.last < int64(QuietPeriod) {
			break // queued later than this one, they are quiet for less long
		}
		t.qHead++
		t.finish(c)
		t.free = append(t.free, c) // no longer referenced by the queue
	}
	if t.qHead > 1024 && t.qHead*2 > len(t.queue) {
		t.queue = append(t.queue[:0], t.queue[t.qHead:]...)
		t.qHead = 0
	}
}

// finish classifies c, hands it to emit and forgets it.
func (t *tracker) finish(c *conn) {
	if c.emitted {
		return
	}
	c.emitted = true
	if t.conns[c.k] == c {
		delete(t.conns, c.k)
	}
	if t.err != nil {
		return
	}
	conn := t.classify(c, t.rel(t.now))
	if err := t.emit(conn); err != nil {
		t.err = err
	}
}

// Close classifies every connection still open, in order of first
// appearance, and returns the first error emit returned, if any.
func (t *tracker) Close() error {
	open := make([]*conn, 0, len(t.conns))
	for _, c := range t.conns {
		open = append(open, c)
	}
	slices.SortFunc(open, func(a, b *conn) int { return cmp.Compare(a.id, b.id) })
	for _, c := range open {
		t.finish(c)
	}
	t.queue, t.qHead = nil, 0
	return t.err
}

// Connection is one classified connection of a capture.
type Connection struct {
	File    string
	Client  netip.AddrPort // the SYN's sender, or the side with the higher port
	Server  netip.AddrPort
	Start   time.Duration // the SYN's capture time from the file's first TCP packet
	HasSYN  bool          // the SYN was captured; without it Start is meaningless
	Run     results.Run   // the record built from the capture
	Outcome results.Outcome

	// FinAck runs from the first FIN to the other side's first segment
	// acknowledging it; PassiveClose from the first FIN to the other side's
	// first FIN. Each is valid only with its Has flag.
	FinAck, PassiveClose       time.Duration
	HasFinAck, HasPassiveClose bool

	// Duplicates counts second copies of segments that were dropped.
	Duplicates int

	// rstGap is the time from the last segment of the first RST's
	// receiver to that RST, when both were seen.
	rstGap    time.Duration
	hasRstGap bool
}
