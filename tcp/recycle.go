package tcp

import "github.com/emu-sim/emu/engine"

// recycler keeps the endpoints, processes and listeners a host made since
// its last Reset, to be made again, zeroed, by the next run on the host:
// a sweep of millions of short runs then allocates none of them, nor the
// method values their timers call, nor their slices' storage. Nothing of a
// run may be used after the host's Reset (the one caller, sim's Worker,
// keeps nothing), and within a run nothing is reused: a closed endpoint
// is still read for its counters and its close type.
type recycler struct {
	endpoints []spareEndpoint
	processes []spareProcess
	listeners []*Listener
	// How many of each the current run has taken; the rest are spare.
	nEndpoints, nProcesses, nListeners int
}

type spareEndpoint struct {
	e                       *Endpoint
	onRtx, onDelack, onWait engine.Func
}

type spareProcess struct {
	p             *Process
	step, onTimer engine.Func
}

// reuse makes every object of the last run spare.
func (r *recycler) reuse() {
	r.nEndpoints, r.nProcesses, r.nListeners = 0, 0, 0
}

// endpoint returns a zeroed endpoint of h with its timers initialised.
func (h *Host) allocEndpoint() *Endpoint {
	r := &h.recycle
	if r.nEndpoints == len(r.endpoints) {
		e := &Endpoint{}
		r.endpoints = append(r.endpoints, spareEndpoint{e: e,
			onRtx: e.onRetransmitTimer, onDelack: e.onDelackTimer, onWait: e.onWaitTimer})
	}
	s := &r.endpoints[r.nEndpoints]
	r.nEndpoints++
	e := s.e
	holders, segEnds, ooo := e.holders, e.tlp.segEnds, e.ooo
	clear(holders)
	*e = Endpoint{}
	e.holders, e.tlp.segEnds, e.ooo = holders[:0], segEnds[:0], ooo[:0]
	e.rtxTimer.Init(h.sched, s.onRtx, 0)
	e.delackTimer.Init(h.sched, s.onDelack, 0)
	e.waitTimer.Init(h.sched, s.onWait, 0)
	return e
}

// allocProcess returns a zeroed process of h with its timer initialised
// and resume set.
func (h *Host) allocProcess() *Process {
	r := &h.recycle
	if r.nProcesses == len(r.processes) {
		p := &Process{}
		r.processes = append(r.processes, spareProcess{p: p, step: p.step, onTimer: p.onTimer})
	}
	s := &r.processes[r.nProcesses]
	r.nProcesses++
	p := s.p
	pending := p.pending
	clear(pending)
	*p = Process{pending: pending[:0]}
	p.timer.Init(h.sched, s.onTimer, 0)
	p.resume = s.step
	return p
}

// allocListener returns a zeroed listener of h.
func (h *Host) allocListener() *Listener {
	r := &h.recycle
	if r.nListeners == len(r.listeners) {
		r.listeners = append(r.listeners, &Listener{})
	}
	l := r.listeners[r.nListeners]
	r.nListeners++
	queue, waiters := l.queue, l.waiters
	clear(queue)
	clear(waiters)
	*l = Listener{queue: queue[:0], waiters: waiters[:0]}
	return l
}
