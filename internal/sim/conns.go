package sim

import (
	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// connRec is the segment record of one connection of a run of many
// connections, kept until both its endpoints are closed and then
// classified, so that a run can count how all its connections ended
// without keeping every segment of the run.
//
// It drops each endpoint once that endpoint is closed, keeping what the
// classification needs of it, so that a closed endpoint (and the process
// that held it) is not kept alive for as long as its peer's TIME_WAIT.
type connRec struct {
	track  results.Tracker
	c, s   *tcp.Endpoint // the endpoints, until each is closed
	port   uint16        // the client's port
	server bool          // a server endpoint joined the connection
	closed [2]bool
	est    bool    // a closed endpoint had reached ESTABLISHED
	gaveUp [2]bool // per side, a timer ended the closed endpoint
	done   bool
	index  int    // in the trace's Conns, when the run is traced
	gen    uint32 // how many connections the record was for before (recPool)
}

// recPool recycles the records of classified connections. A record is
// reused as soon as its connection is classified: the segments of that
// connection still on the wire carry the generation they were sent in and
// are not counted for the new one (arrived), and an endpoint of it not yet
// closed is handed the pool's gone record, which is never classified.
type recPool struct {
	free []*connRec
	gone connRec // done: what a classified connection's stragglers record into
}

// get returns an empty record for the connection whose client port is
// port, with e its client endpoint.
func (p *recPool) get(e *tcp.Endpoint, port uint16) *connRec {
	var r *connRec
	if n := len(p.free); n > 0 {
		r = p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		*r = connRec{gen: r.gen + 1}
	} else {
		r = &connRec{}
	}
	r.c, r.port = e, port
	r.track.Reset()
	return r
}

// put takes back a classified record.
func (p *recPool) put(r *connRec) {
	p.gone.done = true
	for _, e := range [2]*tcp.Endpoint{r.c, r.s} {
		if e != nil {
			e.SetTag(&p.gone)
		}
	}
	r.c, r.s = nil, nil
	p.free = append(p.free, r)
}

// recFor returns the record of the connection a segment belongs to,
// creating it for a client's first SYN, or nil.
func (w *Worker) recFor(side results.Side, e *tcp.Endpoint, seg *tcp.Segment) *connRec {
	port := seg.SrcPort
	if side == results.Server {
		port = seg.DstPort
	}
	if e == nil {
		// A RST the host sends for a connection it does not have.
		return w.byPort[port]
	}
	if r, ok := e.Tag().(*connRec); ok {
		return r
	}
	switch {
	case side == results.Client && seg.Flags&tcp.SYN != 0:
		if old := w.byPort[port]; old != nil {
			w.finalize(old)
		}
		r := w.recs.get(e, port)
		if w.trace != nil {
			r.index = w.trace.opened()
		}
		w.byPort[port] = r
		w.open++
		e.SetTag(r)
		return r
	case side == results.Server:
		if r := w.byPort[port]; r != nil && !r.server {
			r.s, r.server = e, true
			e.SetTag(r)
			return r
		}
	}
	return nil
}

// endpointClosed finalises a connection once both its endpoints are closed.
func (w *Worker) endpointClosed(e *tcp.Endpoint) {
	r, ok := e.Tag().(*connRec)
	if !ok || r.done {
		return
	}
	side := results.Server
	if e == r.c {
		side = results.Client
		r.c = nil
	} else {
		r.s = nil
	}
	r.closed[side] = true
	r.est = r.est || e.Reached(tcp.Established)
	r.gaveUp[side] = e.GaveUp()
	if r.closed[results.Client] && (!r.server || r.closed[results.Server]) {
		w.finalize(r)
	}
}

// finalize classifies a connection and counts its close type.
func (w *Worker) finalize(r *connRec) {
	if r.done {
		return
	}
	r.done = true
	if w.byPort[r.port] == r {
		w.byPort[r.port] = nil
		w.open--
	}
	run := results.Run{Track: &r.track, Established: r.est, GaveUp: r.gaveUp}
	for side, e := range [2]*tcp.Endpoint{r.c, r.s} {
		if e == nil {
			continue
		}
		run.Established = run.Established || e.Reached(tcp.Established)
		run.GaveUp[side] = e.GaveUp()
	}
	ct := results.Classify(&run).CloseType
	w.stats.CloseTypes[ct]++
	if w.trace != nil {
		w.trace.t.Conns[r.index] = results.ConnFacts{Established: run.Established, GaveUp: run.GaveUp, CloseType: ct, Classified: true}
	}
	w.recs.put(r)
}

// finalizeAll classifies the connections still open when the run ended, in
// port order so that nothing depends on map order.
func (w *Worker) finalizeAll() {
	for p := 0; p < len(w.byPort) && w.open > 0; p++ {
		if r := w.byPort[uint16(p)]; r != nil {
			w.finalize(r)
		}
	}
}

// arrived notes a tracked segment's arrival (sent by from).
func (w *Worker) arrived(now engine.Time, p *packet, from results.Side) {
	if p.idx >= 0 {
		w.track.Arrived(p.idx, from, p.seg.Flags, p.seg.Ack, now)
		if w.trace != nil {
			w.run.Segments[p.idx].Arrived = now
		}
	}
	if p.rec != nil && p.rec.gen == p.rgen {
		p.rec.track.Arrived(p.ridx, from, p.seg.Flags, p.seg.Ack, now)
	}
}
