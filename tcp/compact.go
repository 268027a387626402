package tcp

// Compaction: a connection that is over for its processes (orphaned, in
// TIME_WAIT or CLOSED) keeps only the Endpoint's own fields, and its conn
// goes back to the host for the next connection. A run of a million
// connections then holds a couple of hundred bytes per TIME_WAIT, not the
// whole socket and the processes that once held it.

// SetCompact turns compaction on or off for the host's endpoints from now
// on (Host.Reset turns it off). With it on, an endpoint in TIME_WAIT or
// CLOSED that no process holds loses its socket state: Owner returns nil
// and the socket calls (Read, Write, Close, ...) must not be used on it;
// State, Reached, GaveUp, TimeWaitSpan, Ports, ISN, PeerISN, Tag and the
// byte counters stay valid, and the connection behaves on the wire exactly
// as before. A closed endpoint that only detached processes held, and
// finished detached processes, are reused for later connections (so a
// caller must not keep them: it detaches only what it does not keep).
// Keep exempts one endpoint, and no Endpoint is reused while the host has
// an observer (a trace tells connections apart by their endpoints).
func (h *Host) SetCompact(on bool) { h.compact = on }

// mayCompact notes an endpoint that may have become compactable. It is
// compacted later, when the host next needs a conn (newConn), so that no
// caller still working on it (a segment's processing, a close) finds its
// state gone.
func (h *Host) mayCompact(e *Endpoint) {
	if h.compact && !e.keep && (e.conn != nil || e.state == Closed) {
		h.toCompact = append(h.toCompact, e)
	}
}

// compactable reports whether e's conn can go: nothing can use it again.
func (e *Endpoint) compactable() bool {
	return e.conn != nil && !e.keep && e.orphan && len(e.holders) == 0 && (e.state == TimeWait || e.state == Closed)
}

// reusable reports whether the Endpoint itself can be another connection:
// it is closed and compacted, no process that the caller may still look
// at ever held it (pinned), and no observer has seen it (a trace keeps
// endpoints to tell connections apart).
func (e *Endpoint) reusable() bool {
	return e.conn == nil && !e.keep && !e.pinned && e.orphan && e.state == Closed && !e.listed && e.host.obs == nil
}

// compactPending compacts the endpoints noted by mayCompact that can be.
// It runs where no endpoint of the host is being worked on: at the start
// of newConn (a connect, or a SYN on a listening port).
func (h *Host) compactPending() {
	for i, e := range h.toCompact {
		h.toCompact[i] = nil
		if e.compactable() {
			h.free = append(h.free, e.conn)
			e.conn.release()
			e.conn = nil
			h.compacted++
		}
		if e.reusable() {
			e.orphan = false // not again: a second note of e finds it not reusable
			h.freeEps = append(h.freeEps, e)
		}
	}
	h.toCompact = h.toCompact[:0]
}

// newConn returns a zeroed conn, recycled if one is free.
func (h *Host) newConn() *conn {
	h.compactPending()
	if n := len(h.free); n > 0 {
		c := h.free[n-1]
		h.free[n-1] = nil
		h.free = h.free[:n-1]
		return c
	}
	c := &conn{}
	h.madeConn(c)
	c.rtxTimer.Init(h.sched, c.onRetransmitTimer, 0)
	c.delackTimer.Init(h.sched, c.onDelackTimer, 0)
	return c
}

// release empties c for its next endpoint, keeping its timers (bound to c)
// and the storage of its slices.
func (c *conn) release() {
	c.rtxTimer.Stop()
	c.delackTimer.Stop()
	rtx, del := c.rtxTimer, c.delackTimer
	clear(c.holders[:cap(c.holders)])
	holders := c.holders[:0]
	ooo, segEnds := c.ooo[:0], c.tlp.segEnds[:0]
	*c = conn{holders: holders, rtxTimer: rtx, delackTimer: del}
	c.ooo, c.tlp.segEnds = ooo, segEnds
}

// Detach tells the host that the caller keeps no reference to p. On a
// compacting host (SetCompact), a detached process that has finished,
// holds no socket or listener and owns no kept endpoint is reused for a
// later process, so that a run of a million connections does not allocate
// a million processes.
func (p *Process) Detach() { p.detached = true }

// mayRecycle notes a detached process that has finished. It is reused at
// the host's next newProcess, once nothing can run it again.
func (h *Host) mayRecycle(p *Process) {
	if h.compact && p.done && !p.keep {
		h.toRecycle = append(h.toRecycle, p)
	}
}

// recyclable reports whether nothing refers to p any more: it is done, holds
// nothing, and no event of its own is pending.
func (p *Process) recyclable() bool {
	return p.done && p.detached && !p.keep && !p.holds && p.lis == nil && !p.waitingAccept &&
		!p.wakeQueued && !p.timer.Pending()
}

// recycledProcess returns an emptied process to reuse, or nil.
func (h *Host) recycledProcess() *Process {
	for i, p := range h.toRecycle {
		h.toRecycle[i] = nil
		if !p.recyclable() {
			continue
		}
		if e := p.ep; e != nil && e.conn != nil && e.owner == p {
			e.owner = nil
		}
		timer, resume := p.timer, p.resume
		*p = Process{timer: timer, resume: resume}
		h.freeProcs = append(h.freeProcs, p)
	}
	h.toRecycle = h.toRecycle[:0]
	n := len(h.freeProcs)
	if n == 0 {
		return nil
	}
	p := h.freeProcs[n-1]
	h.freeProcs[n-1] = nil
	h.freeProcs = h.freeProcs[:n-1]
	return p
}

// newHeader returns an emptied Endpoint, reused if one is free; the
// caller fills in the rest. A reused Endpoint keeps its wait timer (bound
// to it) and counts one more generation.
func (h *Host) newHeader() *Endpoint {
	h.compactPending()
	n := len(h.freeEps)
	if n == 0 {
		e := &Endpoint{}
		h.madeEndpoint(e)
		e.waitTimer.Init(h.sched, e.onWaitTimer, 0)
		return e
	}
	e := h.freeEps[n-1]
	h.freeEps[n-1] = nil
	h.freeEps = h.freeEps[:n-1]
	e.waitTimer.Stop()
	wait, gen := e.waitTimer, e.gen+1
	*e = Endpoint{gen: gen, waitTimer: wait}
	return e
}
