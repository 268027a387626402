// Package sim runs one emulated connection: a client and a server host with
// TCP endpoints, joined by a duplex link, each running its application
// program, on one event scheduler. It turns the run into the record that
// results classifies.
//
// A Worker is reused for many runs so that the scheduler's heap, the links'
// buffers and the segment record keep their storage: runs on one worker
// allocate only what the connection itself needs.
package sim

import (
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/scenarios"
	"github.com/emu-sim/emu/tcp"
)

// ServerPort is the port the server listens on.
const ServerPort = 8000

// The configuration a run consumes is the scenario's resolved point, the
// one type from the YAML to the simulator: Params is scenarios.RunConfig
// (the link, each side's TCP and host settings and program, the
// connections, the horizon and the event budget; its name, seed and runs
// are the runner's business).
type (
	Params      = scenarios.RunConfig
	Endpoint    = scenarios.Endpoint
	Connections = scenarios.Connections
)

// StateSample is the number of sockets per state on one host at one time.
type StateSample struct {
	At     engine.Time
	Server bool
	Counts [tcp.NumStates]int
}

// Stats are a run's counts beyond its first connection, written as the
// extra columns of runs.csv.
type Stats struct {
	Connections       int // client programs started
	ConnectionsFailed int // of those, connects that failed (refused, timed out, no free port)
	PeakTimeWait      int // most TIME_WAIT sockets held at once on one host
	// CloseTypes counts how the run's connections ended (runs of more than
	// one connection; for one connection the runner fills it in).
	CloseTypes [results.NumCloseTypes]int
	// NeverStarted counts the connections whose arrival the run's end
	// (stop_after or max_events) came before; not a column.
	NeverStarted int
}

// ExtraColumns are the runs.csv columns Stats adds after the contract's:
// connections, connections_failed, peak_time_wait, then connections_<type>
// for every close type.
var ExtraColumns = func() []string {
	c := []string{"connections", "connections_failed", "peak_time_wait"}
	for _, t := range results.CloseTypes() {
		c = append(c, "connections_"+t.Column())
	}
	return c
}()

// ExitColumns are the runs.csv columns after ExtraColumns: how the first
// connection's client and server programs ended (tcp.Exit).
var ExitColumns = []string{"client_exit", "server_exit"}

// RowColumns are all the runs.csv columns after the contract's first ones:
// ExtraColumns (numbers, averaged per point in the summaries), then
// ExitColumns (words).
var RowColumns = append(append([]string(nil), ExtraColumns...), ExitColumns...)

// packet is what the links carry: a segment and its index in the run's
// segment record, so that delivery can note its arrival time.
type packet struct {
	seg  tcp.Segment
	idx  int64    // index in the first connection's tracker, or -1
	ridx int64    // index in rec's tracker
	rec  *connRec // the connection's own record in runs of many connections
	rgen uint32   // rec's generation when the segment left (see recPool)
	tidx int32    // index in the trace's Wire, or -1 (no trace)
}

// Worker runs runs one after another.
type Worker struct {
	sched  *engine.Scheduler
	link   *netlink.Duplex[packet]
	fwd    *engine.Stream
	rev    *engine.Stream
	cRand  *engine.Stream
	sRand  *engine.Stream
	cApp   *engine.Stream // random sleeps of the client's processes
	sApp   *engine.Stream
	client *tcp.Host
	server *tcp.Host
	run    results.Run
	trace  *recorder // nil: no trace
	arrive *engine.Stream

	// A run's connections. The first connection (the first to send a SYN)
	// is the one whose segments are recorded: c0 and s0 are its two
	// endpoints once they exist; reused is set when another connection
	// takes its client port, after which RSTs the hosts send for that port
	// belong to the newer connection.
	params      *Params
	started     int
	c0, s0      *tcp.Endpoint
	first       uint16 // c0's port
	reused      bool
	stats       Stats
	lastArrival engine.Time
	samples     []StateSample
	perConn     bool            // classify every connection (runs of many connections)
	byPort      []*connRec      // records of live connections by client port (1<<16 of them)
	open        int             // records in byPort
	recs        recPool         // records to reuse
	interrupt   *atomic.Bool    // see SetInterrupt
	startNext   engine.Func     // w.startClient, bound once (not a closure per arrival)
	track       results.Tracker // classifies the first connection as it runs
	bound       boundFuncs      // the worker's methods as values, made once
	events      uint64          // events the last run executed
}

// NewWorker returns a worker with empty buffers.
func NewWorker() *Worker {
	w := &Worker{sched: engine.NewScheduler()}
	w.fwd = engine.NewStream(0, netlink.ForwardComponent)
	w.rev = engine.NewStream(0, netlink.ReverseComponent)
	w.cRand = engine.NewStream(0, "client")
	w.sRand = engine.NewStream(0, "server")
	w.cApp = engine.NewStream(0, "client.app")
	w.sApp = engine.NewStream(0, "server.app")
	w.arrive = engine.NewStream(0, "arrivals")
	w.bound = w.bind()
	w.startNext = w.startClient
	return w
}

// ErrInterrupted is returned by Run when the flag given to SetInterrupt was
// set during the run: the run was abandoned, not finished.
var ErrInterrupted = errors.New("run interrupted")

// SetInterrupt gives later runs a flag that, once true, ends them within a
// few thousand events with ErrInterrupted (how Ctrl-C reaches a long run).
func (w *Worker) SetInterrupt(f *atomic.Bool) { w.interrupt = f }

// SetTrace makes later runs record a Trace of every event (for ladders and
// pcaps); nil turns it off.
func (w *Worker) SetTrace(t *results.Trace) {
	if t == nil {
		w.trace = nil
		return
	}
	w.trace = &recorder{t: t}
}

// Run executes one run with the given seed (engine.RunSeed of the scenario
// seed, point and run). The returned record, including its Segments, is
// valid until the next call of Run.
func (w *Worker) Run(p *Params, point, run int, seed uint64) (*results.Run, error) {
	w.sched.Reset()
	w.fwd.Reseed(seed, netlink.ForwardComponent)
	w.rev.Reseed(seed, netlink.ReverseComponent)
	w.cRand.Reseed(seed, "client")
	w.sRand.Reseed(seed, "server")
	w.cApp.Reseed(seed, "client.app")
	w.sApp.Reseed(seed, "server.app")
	w.arrive.Reseed(seed, "arrivals")
	if w.link == nil {
		l, err := netlink.NewDuplex(w.sched, p.Link, w.fwd, w.rev, w.toServer, w.toClient)
		if err != nil {
			return nil, fmt.Errorf("link: %w", err)
		}
		w.link = l
	} else if err := w.link.Reset(p.Link, w.fwd, w.rev); err != nil {
		return nil, fmt.Errorf("link: %w", err)
	}
	r := &w.run
	*r = results.Run{Point: point, Run: run, Seed: seed, Segments: r.Segments[:0], Track: &w.track}
	w.track.Reset()
	var obs tcp.Observer
	if w.trace != nil {
		w.trace.reset(p)
		obs = w.trace
	}
	if w.client == nil {
		w.client = tcp.NewHost("client", w.sched, w.cRand, p.Client.TCP.HZ, w.fromClient, obs)
		w.server = tcp.NewHost("server", w.sched, w.sRand, p.Server.TCP.HZ, w.fromServer, obs)
	} else {
		w.client.Reset("client", w.sched, w.cRand, p.Client.TCP.HZ, w.bound.fromClient, obs)
		w.server.Reset("server", w.sched, w.sRand, p.Server.TCP.HZ, w.bound.fromServer, obs)
	}
	for _, x := range []struct {
		h *tcp.Host
		c tcp.HostSettings
	}{{w.client, p.Client.Host}, {w.server, p.Server.Host}} {
		if x.c != (tcp.HostSettings{}) && x.c != tcp.DefaultHostSettings() {
			if err := x.c.Validate(); err != nil {
				return nil, fmt.Errorf("%s host: %w", x.h.Name, err)
			}
			x.h.Configure(x.c)
		}
	}
	w.client.SetAppRandom(w.cApp)
	w.server.SetAppRandom(w.sApp)
	w.params, w.started, w.c0, w.s0, w.first, w.reused, w.stats, w.lastArrival = p, 0, nil, nil, 0, false, Stats{}, 0
	many := max(p.Connections.Count, 1) > 1
	if many && !p.Server.NoListen {
		// The listening socket belongs to the server's parent process,
		// which only accepts and forks: each connection's process is a
		// child, and a child that dies closes its own connection only.
		if _, err := w.server.Listen(ServerPort, p.Server.TCP); err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
	}
	var sp *tcp.Process
	if !p.Server.NoListen {
		var err error
		if sp, err = w.server.Spawn(ServerPort, p.Server.TCP, p.Server.Do); err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
	}
	cp, err := w.client.Spawn(ServerPort, p.Client.TCP, p.Client.Do)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	w.started = 1
	w.samples = w.samples[:0]
	w.perConn = many
	if w.open > 0 {
		clear(w.byPort) // an interrupted run left records behind
		w.open = 0
	}
	if w.perConn && w.byPort == nil {
		w.byPort = make([]*connRec, 1<<16)
	}
	if w.perConn {
		w.client.OnClosed = w.bound.endpointClosed
		w.server.OnClosed = w.bound.endpointClosed
		// A connection whose processes are done keeps only what its
		// TIME_WAIT needs (the first connection's endpoints are kept
		// whole for the run's record: isFirst).
		w.client.SetCompact(true)
		w.server.SetCompact(true)
	}
	if n := max(p.Connections.Count, 1); n > 1 {
		w.sched.At(w.arrival(1), w.startNext, 1)
		w.sched.At(0, w.sampleStates, 0)
	}
	if l := w.server.Listener(ServerPort); l != nil {
		// Every further connection gets a server process of its own, as a
		// forking server gives it.
		l.OnConnection = w.bound.forkServer
	}
	res := w.sched.Run(engine.Limits{Horizon: engine.Time(p.StopAfter), Events: p.MaxEvents, Interrupt: w.interrupt})
	w.events = res.Executed
	if res.Reason == engine.Interrupted {
		return nil, ErrInterrupted
	}
	// The close-type columns describe the run's first connection.
	if w.c0 != nil && w.c0.Owner() != nil {
		cp = w.c0.Owner()
	}
	if w.s0 != nil && w.s0.Owner() != nil {
		sp = w.s0.Owner()
	}
	r.End = res.Now
	r.HitHorizon = res.Reason == engine.Horizon || res.Reason == engine.Budget
	r.HitBudget = res.Reason == engine.Budget
	r.CutShort = r.HitHorizon
	w.stats.NeverStarted = max(p.Connections.Count, 1) - w.started
	for side, pr := range [2]*tcp.Process{cp, sp} {
		if pr == nil {
			// No program (a server that does not listen).
			r.FinalState[side] = tcp.Closed.String()
			r.Exit[side] = tcp.ExitOK.String()
			continue
		}
		r.Exit[side] = pr.Exit().String()
		r.Errors[side] = pr.FirstError().String()
		r.BytesSent[side] = pr.BytesSent()
		r.BytesReceived[side] = pr.BytesReceived()
		e := pr.Endpoint()
		if e == nil {
			// A server that never accepted may still have a half-open endpoint.
			e = [2]*tcp.Endpoint{w.c0, w.s0}[side]
		}
		if e == nil {
			r.FinalState[side] = tcp.Closed.String()
			continue
		}
		r.FinalState[side] = e.State().String()
		r.GaveUp[side] = e.GaveUp()
		if held, in, out := e.TimeWaitSpan(); held {
			if out < 0 {
				out = res.Now
			}
			r.TimeWait[side] = results.Span{Held: true, Entered: in, Left: out}
		}
		if e.Reached(tcp.Established) {
			r.Established = true
		}
	}
	if w.perConn {
		w.finalizeAll()
	}
	w.stats.Connections = w.started
	w.stats.ConnectionsFailed = w.client.ConnectFailures()
	_, cpeak := w.client.TimeWaitCount()
	_, speak := w.server.TimeWaitCount()
	w.stats.PeakTimeWait = max(cpeak, speak)
	if w.trace != nil {
		w.trace.finish(r, w.c0, w.s0, max(p.Connections.Count, 1) > 1)
	}
	return r, nil
}

// Samples returns the socket-state samples of the last run (runs of more
// than one connection only), valid until the next run.
func (w *Worker) Samples() []StateSample { return w.samples }

// sampleStates records both hosts' sockets per state, and samples again
// later unless nothing else is left to happen.
func (w *Worker) sampleStates(now engine.Time, _ uint64) {
	for _, h := range []*tcp.Host{w.client, w.server} {
		s := StateSample{At: now, Server: h == w.server}
		h.StateCounts(&s.Counts)
		w.samples = append(w.samples, s)
	}
	if w.sched.Pending() > 0 {
		every := w.params.Connections.Sample
		if every <= 0 {
			every = time.Second
		}
		w.sched.At(now.Add(every), w.sampleStates, 0)
	}
}

// Stats returns the counts of the last run.
func (w *Worker) Stats() Stats { return w.stats }

// Columns returns the stats as the values of ExtraColumns.
func (s Stats) Columns() []string {
	c := make([]string, 0, len(ExtraColumns))
	for _, v := range s.Values() {
		c = append(c, strconv.Itoa(v))
	}
	return c
}

// Values returns the stats as numbers, in the order of ExtraColumns.
func (s Stats) Values() []int {
	c := make([]int, 0, len(ExtraColumns))
	c = append(c, s.Connections, s.ConnectionsFailed, s.PeakTimeWait)
	c = append(c, s.CloseTypes[:]...)
	return c
}

// arrival returns the start time of connection k > 0.
func (w *Worker) arrival(k int) engine.Time {
	c := w.params.Connections
	if !c.Poisson {
		return engine.Time(time.Duration(k) * c.Every)
	}
	// Poisson arrivals: exponential gaps with mean Every, drawn in order.
	prev := w.lastArrival
	gap := time.Duration(w.arrive.ExpFloat64() * float64(c.Every))
	w.lastArrival = prev.Add(gap)
	return w.lastArrival
}

// startClient starts the client program for connection k and schedules
// the next arrival, so that the queue holds one pending arrival at a time.
func (w *Worker) startClient(_ engine.Time, k uint64) {
	p, err := w.client.Spawn(ServerPort, w.params.Client.TCP, w.params.Client.Do)
	if err != nil {
		return
	}
	p.Detach() // the run keeps only the first connection's processes
	w.started++
	if n := max(w.params.Connections.Count, 1); int(k)+1 < n {
		w.sched.At(w.arrival(int(k)+1), w.startNext, k+1)
	}
}

// forkServer starts a server process for a connection nobody accepts yet.
func (w *Worker) forkServer() {
	// The settings were validated when the first server process started.
	if p, err := w.server.Spawn(ServerPort, w.params.Server.TCP, w.params.Server.Do); err == nil {
		p.Detach()
	}
}

func (w *Worker) fromClient(e *tcp.Endpoint, seg *tcp.Segment, rtx bool) {
	w.transmit(results.Client, e, seg, rtx)
}

func (w *Worker) fromServer(e *tcp.Endpoint, seg *tcp.Segment, rtx bool) {
	w.transmit(results.Server, e, seg, rtx)
}

// isFirst reports whether a segment belongs to the run's first connection,
// noting that connection's endpoints as they appear.
func (w *Worker) isFirst(side results.Side, e *tcp.Endpoint, seg *tcp.Segment) bool {
	clientPort := seg.SrcPort
	if side == results.Server {
		clientPort = seg.DstPort
	}
	switch {
	case e == nil:
		return w.c0 != nil && clientPort == w.first && !w.reused
	case e == w.c0 || e == w.s0:
		return true
	case side == results.Client && w.c0 == nil && seg.Flags&tcp.SYN != 0:
		w.c0, w.first = e, clientPort
		e.Keep()
		return true
	case side == results.Client && clientPort == w.first:
		w.reused = true
	case side == results.Server && w.s0 == nil && w.c0 != nil && clientPort == w.first && !w.reused:
		w.s0 = e
		e.Keep()
		return true
	}
	return false
}

func (w *Worker) transmit(side results.Side, e *tcp.Endpoint, seg *tcp.Segment, rtx bool) {
	r := &w.run
	idx := int64(-1)
	rs := results.Segment{
		At: w.sched.Now(), Arrived: engine.Never, From: side, Flags: seg.Flags,
		Seq: seg.Seq, Ack: seg.Ack, Len: seg.Len, Retransmit: rtx,
	}
	// Only the first connection is classified for runs.csv's close-type
	// columns; its segments are tracked, not kept (a run of millions of
	// events would otherwise keep them all), except for a trace.
	if w.isFirst(side, e, seg) {
		idx = w.track.Sent(&rs)
		if w.trace != nil {
			r.Segments = append(r.Segments, rs)
			w.trace.sent(seg)
		}
	}
	l := w.link.Forward
	if side == results.Server {
		l = w.link.Reverse
	}
	pk := packet{seg: *seg, idx: idx, tidx: -1}
	if w.trace != nil {
		pk.tidx = w.trace.wire(w.sched.Now(), side, seg, rtx)
	}
	if w.perConn {
		if rec := w.recFor(side, e, seg); rec != nil {
			pk.rec, pk.ridx, pk.rgen = rec, rec.track.Sent(&rs), rec.gen
		}
	}
	if err := l.Send(pk, seg.WireSize()); err != nil {
		// The scenario's MSS does not fit the link's MTU: validation should
		// have caught it; the segment is recorded as lost.
		return
	}
}

func (w *Worker) toServer(now engine.Time, p packet) {
	w.arrived(now, &p, results.Client)
	w.traceArrived(now, &p)
	w.server.Input(&p.seg)
}

func (w *Worker) toClient(now engine.Time, p packet) {
	w.arrived(now, &p, results.Server)
	w.traceArrived(now, &p)
	w.client.Input(&p.seg)
}

// traceArrived notes a traced segment's arrival.
func (w *Worker) traceArrived(now engine.Time, p *packet) {
	if p.tidx >= 0 && w.trace != nil {
		w.trace.t.Wire[p.tidx].Arrived = now
	}
}
