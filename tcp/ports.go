package tcp

import "time"

// Ephemeral ports and the reuse of TIME_WAIT ports (tcp_tw_reuse).

// ephemeralPort picks a local port for a connection to remote: the first
// port of the range, from where the last search ended, whose connection is
// not in use. A port held by TIME_WAIT is taken over if tw_reuse is 1 and
// the TIME_WAIT is at least 1 s old. It reports false when every port is in
// use (connect then fails with EADDRNOTAVAIL).
func (h *Host) ephemeralPort(remote uint16) (uint16, bool) {
	n := int(h.cfg.PortHigh) - int(h.cfg.PortLow) + 1
	if h.ephemeralInUse >= n {
		// Every port is held. Only tw_reuse can free one: the oldest
		// TIME_WAIT is the first to pass 1 s.
		return h.reuseOldestTimeWait(remote)
	}
	p := h.nextPort
	for i := 0; i < n; i++ {
		if p < h.cfg.PortLow || p > h.cfg.PortHigh {
			p = h.cfg.PortLow
		}
		e := h.conns.get(connKey(p, remote))
		if e == nil || h.reusable(e) {
			if e != nil {
				h.takeOver(e)
			}
			h.nextPort = p + 1
			return p, true
		}
		p++
	}
	return 0, false
}

// reusable reports whether tw_reuse lets a new connection take over the
// TIME_WAIT connection e: tcp_tw_reuse is 1, the connection used
// timestamps (the new one's will be newer, so PAWS keeps the two apart)
// and its TIME_WAIT is at least 1 s old (tcp_twsk_unique).
func (h *Host) reusable(e *Endpoint) bool {
	return e.state == TimeWait && h.cfg.TWReuse == 1 && e.tsOK && h.now().Sub(e.timeWaitAt) >= time.Second
}

// takeOver ends the TIME_WAIT connection e so that a new connection can
// have its port, starting its sequence numbers above e's.
func (h *Host) takeOver(e *Endpoint) {
	h.reuseSeq = e.sndNxt + 65535 + 2
	if h.reuseSeq == 0 {
		h.reuseSeq = 1
	}
	e.setState(Closed)
}

// twEntry is an endpoint in the TIME_WAIT queue, with the generation it
// had when it entered TIME_WAIT: a recycled endpoint is another connection.
type twEntry struct {
	e   *Endpoint
	gen uint32
}

// held reports whether the entry's connection still holds TIME_WAIT.
func (t twEntry) held() bool { return t.e.gen == t.gen && t.e.state == TimeWait && t.e.listed }

// twQueue holds the endpoints that entered TIME_WAIT, oldest first (for
// tw_reuse). One that left TIME_WAIT stays until it reaches the front.
type twQueue struct {
	q    []twEntry
	head int // q[:head] are spent
}

func (t *twQueue) reset() {
	clear(t.q)
	t.q, t.head = t.q[:0], 0
}

// prune drops the entries at the front that no longer hold TIME_WAIT.
func (t *twQueue) prune() {
	for t.head < len(t.q) && !t.q[t.head].held() {
		t.q[t.head] = twEntry{}
		t.head++
	}
	if t.head == len(t.q) {
		t.q, t.head = t.q[:0], 0
	}
}

// push adds e, which has just entered TIME_WAIT.
func (t *twQueue) push(e *Endpoint) {
	t.prune()
	if len(t.q) == cap(t.q) && 2*t.head >= len(t.q) && t.head > 0 {
		// Full, and at least half spent: move down rather than grow.
		k := copy(t.q, t.q[t.head:])
		clear(t.q[k:])
		t.q, t.head = t.q[:k], 0
	}
	t.q = append(t.q, twEntry{e, e.gen})
}

// oldest returns the endpoint that has held TIME_WAIT longest, or nil.
func (t *twQueue) oldest() *Endpoint {
	t.prune()
	if t.head == len(t.q) {
		return nil
	}
	return t.q[t.head].e
}

// reuseOldestTimeWait takes over the port of the oldest TIME_WAIT
// connection to remote if tw_reuse allows it.
func (h *Host) reuseOldestTimeWait(remote uint16) (uint16, bool) {
	if h.cfg.TWReuse != 1 {
		return 0, false
	}
	if e := h.twQueue.oldest(); e != nil {
		if e.remotePort != remote || !h.reusable(e) {
			return 0, false
		}
		p := e.localPort
		h.takeOver(e)
		return p, true
	}
	return 0, false
}
