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
	"fmt"
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// ServerPort is the port the server listens on.
const ServerPort = 8000

// Endpoint is one side's TCP settings and application program.
type Endpoint struct {
	TCP tcp.Settings
	Do  []tcp.Op
}

// Params describe one run, independent of its seed.
type Params struct {
	Link           netlink.DuplexConfig
	Client, Server Endpoint
	StopAfter      time.Duration // virtual-time horizon
	MaxEvents      uint64        // event budget; 0 = unlimited
}

// packet is what the links carry: a segment and its index in the run's
// segment record, so that delivery can note its arrival time.
type packet struct {
	seg tcp.Segment
	idx int32
}

// Worker runs runs one after another.
type Worker struct {
	sched  *engine.Scheduler
	link   *netlink.Duplex[packet]
	fwd    *engine.Stream
	rev    *engine.Stream
	cRand  *engine.Stream
	sRand  *engine.Stream
	client *tcp.Host
	server *tcp.Host
	run    results.Run
	trace  *Trace
}

// NewWorker returns a worker with empty buffers.
func NewWorker() *Worker {
	w := &Worker{sched: engine.NewScheduler()}
	w.fwd = engine.NewStream(0, netlink.ForwardComponent)
	w.rev = engine.NewStream(0, netlink.ReverseComponent)
	w.cRand = engine.NewStream(0, "client")
	w.sRand = engine.NewStream(0, "server")
	return w
}

// SetTrace makes later runs record a Trace of every event (for ladders and
// pcaps); nil turns it off.
func (w *Worker) SetTrace(t *Trace) { w.trace = t }

// Run executes one run with the given seed (engine.RunSeed of the scenario
// seed, point and run). The returned record, including its Segments, is
// valid until the next call of Run.
func (w *Worker) Run(p *Params, point, run int, seed uint64) (*results.Run, error) {
	w.sched.Reset()
	w.fwd.Reseed(seed, netlink.ForwardComponent)
	w.rev.Reseed(seed, netlink.ReverseComponent)
	w.cRand.Reseed(seed, "client")
	w.sRand.Reseed(seed, "server")
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
	*r = results.Run{Point: point, Run: run, Seed: seed, Segments: r.Segments[:0]}
	var obs tcp.Observer
	if w.trace != nil {
		w.trace.reset(p)
		obs = w.trace
	}
	w.client = tcp.NewHost("client", w.sched, w.cRand, p.Client.TCP.HZ, w.fromClient, obs)
	w.server = tcp.NewHost("server", w.sched, w.sRand, p.Server.TCP.HZ, w.fromServer, obs)
	sp, err := w.server.Spawn(ServerPort, p.Server.TCP, p.Server.Do)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	cp, err := w.client.Spawn(ServerPort, p.Client.TCP, p.Client.Do)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	res := w.sched.Run(engine.Limits{Horizon: engine.Time(p.StopAfter), Events: p.MaxEvents})
	r.End = res.Now
	r.HitHorizon = res.Reason == engine.Horizon || res.Reason == engine.Budget
	for side, pr := range [2]*tcp.Process{cp, sp} {
		r.Errors[side] = pr.FirstError().String()
		r.BytesSent[side] = pr.BytesSent()
		r.BytesReceived[side] = pr.BytesReceived()
		e := pr.Endpoint()
		if e == nil {
			// A server that never accepted may still have a half-open endpoint.
			e = [2]*tcp.Host{w.client, w.server}[side].LastEndpoint()
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
	if w.trace != nil {
		w.trace.finish(r)
	}
	return r, nil
}

func (w *Worker) fromClient(seg *tcp.Segment, rtx bool) { w.transmit(results.Client, seg, rtx) }
func (w *Worker) fromServer(seg *tcp.Segment, rtx bool) { w.transmit(results.Server, seg, rtx) }

func (w *Worker) transmit(side results.Side, seg *tcp.Segment, rtx bool) {
	r := &w.run
	idx := int32(len(r.Segments))
	r.Segments = append(r.Segments, results.Segment{
		At: w.sched.Now(), Arrived: engine.Never, From: side, Flags: seg.Flags,
		Seq: seg.Seq, Ack: seg.Ack, Len: seg.Len, Retransmit: rtx,
	})
	if w.trace != nil {
		w.trace.sent(seg)
	}
	l := w.link.Forward
	if side == results.Server {
		l = w.link.Reverse
	}
	if err := l.Send(packet{seg: *seg, idx: idx}, seg.WireSize()); err != nil {
		// The scenario's MSS does not fit the link's MTU: validation should
		// have caught it; the segment is recorded as lost.
		return
	}
}

func (w *Worker) toServer(now engine.Time, p packet) {
	w.run.Segments[p.idx].Arrived = now
	w.server.Input(&p.seg)
}

func (w *Worker) toClient(now engine.Time, p packet) {
	w.run.Segments[p.idx].Arrived = now
	w.client.Input(&p.seg)
}
