package tcp

// Reuse across runs: a worker that runs millions of short runs on the same
// two hosts (Reset between runs) would otherwise allocate every run's
// endpoints, conns, processes and listener anew, and collect them as
// garbage. The host notes the objects it makes, up to maxKept of each
// kind, and Reset gives them all back to its free lists, where compaction
// (compact.go) puts the objects it recycles within a run: the next run
// takes them from there, emptied. Nothing of a run may be used after the
// host's Reset (sim's Worker keeps nothing).

// maxKept bounds the objects of each kind a host keeps for its next run: a
// run of a million connections does not keep a million of them.
const maxKept = 256

// madeObjects are the objects a host made, each once, that its next run
// may reuse.
type madeObjects struct {
	eps       []*Endpoint
	conns     []*conn
	procs     []*Process
	listeners []*Listener
}

func (h *Host) madeEndpoint(e *Endpoint) {
	if len(h.made.eps) < maxKept {
		h.made.eps = append(h.made.eps, e)
	}
}

func (h *Host) madeConn(c *conn) {
	if len(h.made.conns) < maxKept {
		h.made.conns = append(h.made.conns, c)
	}
}

func (h *Host) madeProcess(p *Process) {
	if len(h.made.procs) < maxKept {
		h.made.procs = append(h.made.procs, p)
	}
}

// newListener returns an empty listener, reused if the last run left one.
func (h *Host) newListener() *Listener {
	if n := len(h.freeLis); n > 0 {
		l := h.freeLis[n-1]
		h.freeLis[n-1] = nil
		h.freeLis = h.freeLis[:n-1]
		return l
	}
	l := &Listener{}
	if len(h.made.listeners) < maxKept {
		h.made.listeners = append(h.made.listeners, l)
	}
	return l
}

// reuseAll makes every object the host kept free for the next run, each
// emptied (endpoints are emptied as newHeader takes them) and its timers
// stopped (already, when the scheduler was reset first, as sim's Worker
// does).
func (h *Host) reuseAll() {
	h.free = h.free[:0]
	for _, c := range h.made.conns {
		c.release()
		h.free = append(h.free, c)
	}
	clear(h.freeEps[:cap(h.freeEps)])
	h.freeEps = h.freeEps[:0]
	for _, e := range h.made.eps {
		e.waitTimer.Stop()
		h.freeEps = append(h.freeEps, e)
	}
	clear(h.freeProcs[:cap(h.freeProcs)])
	h.freeProcs = h.freeProcs[:0]
	for _, p := range h.made.procs {
		p.timer.Stop()
		timer, resume := p.timer, p.resume
		*p = Process{timer: timer, resume: resume}
		h.freeProcs = append(h.freeProcs, p)
	}
	h.freeLis = h.freeLis[:0]
	for _, l := range h.made.listeners {
		queue, waiters := l.queue, l.waiters
		clear(queue[:cap(queue)])
		clear(waiters[:cap(waiters)])
		*l = Listener{queue: queue[:0], waiters: waiters[:0]}
		h.freeLis = append(h.freeLis, l)
	}
}

// newSettings returns storage for one more shared copy of settings,
// reused if the last run left one.
func (h *Host) newSettings() *Settings {
	if n := len(h.spareSettings); n > 0 {
		c := h.spareSettings[n-1]
		h.spareSettings = h.spareSettings[:n-1]
		return c
	}
	return new(Settings)
}

// keepSettings makes the run's shared settings spare for the next run
// (Reset): the next run shares its own, validated again.
func (h *Host) keepSettings() []*Settings {
	spare := h.spareSettings
	for _, c := range h.shared {
		if len(spare) < maxKept {
			spare = append(spare, c)
		}
	}
	clear(h.shared)
	return spare
}
