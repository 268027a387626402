package kernel

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/results/capture"
	"github.com/emu-sim/emu/scenarios"
)

// Timing of a run's end. A run ends when every program has ended, neither
// kernel has a socket of the run's connections left in another state than
// TIME_WAIT (they are closed, or timed out), and the link has been quiet
// for settleQuiet plus a round trip; or at stop_after. A forking server's
// own process is stopped once it has accepted every connect that
// succeeded, or when the link has been quiet for idleLimit.
const (
	settleQuiet = 20 * time.Millisecond
	idleLimit   = 3 * time.Second
	pollEvery   = 2 * time.Millisecond
	checkEvery  = 10 * time.Millisecond // how often the kernels' sockets are read
	// silentAfter is how long the capture is said to go on after a run
	// whose sockets are all gone (see Run).
	silentAfter = time.Hour
)

// Trace is what one side's processes did: every socket call with its times.
type Trace struct {
	Events []Event
	Stderr string
}

// RunResult is one finished run on the kernel.
type RunResult struct {
	Run       results.Run
	Outcome   results.Outcome
	DelayErr  time.Duration // median of how late the relay delivered packets
	DelayP99  time.Duration
	Traces    [2]Trace
	Packets   int
	HitLimits bool // ended by stop_after

	// For the columns that count all the run's connections.
	Connections  int                        // client programs started
	Failed       int                        // of those, connects that failed
	PeakTimeWait int                        // most TIME_WAITs one host held at once
	Types        [results.NumCloseTypes]int // connections per close type
}

// Point runs the runs of one sweep point in a fresh pair of namespaces.
type Point struct {
	cfg   *scenarios.RunConfig
	setup *Setup
	pair  *Pair
	relay *Relay
	exe   string
}

// OpenPoint creates the namespaces and relay for a sweep point and applies
// its settings. Close it when its runs are done.
func OpenPoint(cfg *scenarios.RunConfig, setup *Setup, exe string) (_ *Point, err error) {
	mtu := max(cfg.Link.Forward.MTU, cfg.Link.Reverse.MTU)
	if mtu == 0 {
		mtu = netlink.DefaultMTU
	}
	pair, err := NewPair(mtu)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = pair.Close()
		}
	}()
	for i := range 2 {
		for _, kv := range setup.Sysctls[i] {
			if err := pair.Sysctl(i, kv[0], kv[1]); err != nil {
				return nil, err
			}
		}
		if len(setup.Route[i]) > 0 {
			if err := pair.Route(i, setup.Route[i]); err != nil {
				return nil, err
			}
		}
	}
	becomeSubreaper()
	return &Point{cfg: cfg, setup: setup, pair: pair, relay: NewRelay(pair), exe: exe}, nil
}

// Close stops the relay and removes the namespaces and devices.
func (p *Point) Close() error {
	p.relay.Close()
	return p.pair.Close()
}

// Run executes run k of the point with seed, the server listening on a
// port of its own. pcapPath, when not empty, receives the capture.
func (p *Point) Run(ctx context.Context, point, run int, seed uint64, sweepValues []string, pcapPath string) (*RunResult, error) {
	if err := p.relay.Err(); err != nil {
		return nil, err
	}
	port := 10000 + run%50000
	count := max(p.cfg.Connections.Count, 1)
	many := count > 1
	rng := engine.NewStream(seed, "kernel.sleep")
	var specs [2]*SideSpec
	for i, ep := range []*scenarios.Endpoint{&p.cfg.Client, &p.cfg.Server} {
		ops, err := ResolveOps(ep.Do, rng)
		if err != nil {
			return nil, &RefusedError{Msg: fmt.Sprintf("%s: %v", [2]string{"client", "server"}[i], err)}
		}
		local, peer := ClientAddr, ServerAddr
		if i == 1 {
			local, peer = peer, local
		}
		specs[i] = &SideSpec{Side: [2]string{"client", "server"}[i], Local: local, Peer: peer, Port: port, SockOpts: p.setup.SockOpts[i], Ops: ops}
	}
	if many {
		specs[1].Many = count
	}
	trial, err := p.relay.Begin(p.cfg.Link, seed, uint16(port))
	if err != nil {
		return nil, err
	}
	specs[0].Start, specs[1].Start = trial.Start(), trial.Start()
	var server *helper
	var clients []*helper
	defer func() {
		for _, h := range append(clients, server) {
			if h != nil {
				h.kill()
			}
		}
	}()
	deadline := time.Now().Add(p.cfg.StopAfter)
	if !p.cfg.Server.NoListen {
		h, err := p.start(1, specs[1])
		if err != nil {
			return nil, err
		}
		server = h
		select {
		case <-h.ready:
		case <-h.done:
			return nil, fmt.Errorf("server helper ended before listening: %s", h.trace().Stderr)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Second):
			return nil, errors.New("server helper did not listen within 10 s")
		}
	}
	// Connection k's client program starts at arrival k after time 0, as
	// emu run starts them (fixed gaps, or Poisson with mean gap every).
	arrivals := engine.NewStream(seed, "kernel.arrivals")
	next := time.Duration(0)
	rtt := p.cfg.Link.Forward.Delay + p.cfg.Link.Reverse.Delay
	hitLimit, serverStopped := false, false
	var lastCheck int64
	for {
		for len(clients) < count && monotonic()-trial.Start() >= int64(next) {
			h, err := p.start(0, specs[0])
			if err != nil {
				return nil, err
			}
			clients = append(clients, h)
			gap := p.cfg.Connections.Every
			if p.cfg.Connections.Poisson {
				gap = time.Duration(arrivals.ExpFloat64() * float64(gap))
			}
			next += gap
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pollEvery):
		}
		if err := p.relay.Err(); err != nil {
			return nil, err
		}
		if time.Now().After(deadline) {
			hitLimit = true
			break
		}
		running := len(clients) < count
		for _, h := range clients {
			running = running || h.alive()
		}
		if many && !running && server != nil && !serverStopped && server.alive() {
			// Every client program has ended. The forking server's own
			// process ends by itself after its last accept; once it has
			// accepted every connect that succeeded it would only wait
			// for those that failed, so it is stopped (its listening
			// socket closing early would reset connections still queued).
			failed := 0
			for _, h := range clients {
				if failedConnect(h.trace().Events, false) {
					failed++
				}
			}
			if server.accepted() >= count-failed || trial.Idle() > idleLimit {
				_ = unix.Kill(server.cmd.Process.Pid, unix.SIGKILL)
				serverStopped = true
			}
		}
		if server != nil && server.alive() {
			running = true
		}
		if running {
			continue
		}
		if monotonic()-lastCheck < int64(checkEvery) || trial.Idle() < settleQuiet+rtt {
			continue
		}
		lastCheck = monotonic()
		active, err := p.activeSockets(uint16(port))
		if err != nil {
			return nil, err
		}
		if !active {
			break
		}
	}
	end := monotonic()
	pk, med, p99 := trial.Finish()
	// How long each side's TIME_WAIT has left, read now: with the time it
	// already held it, that is its length (single connections only, where
	// the socket is the run's one).
	var twLeft [2]time.Duration
	var twSeen [2]bool
	var twRead [2]int64
	if !many && !hitLimit {
		for i := range 2 {
			twRead[i] = monotonic()
			if twLeft[i], twSeen[i], err = p.pair.TimeWaitLeft(i, uint16(port)); err != nil {
				return nil, err
			}
		}
	}
	// Unless stop_after cut the run short, the kernels held no socket of
	// it any more: nothing followed its last packet, however long a
	// capture would have gone on, which the reader needs to know to tell
	// a side that gave up (timeout) from one still retrying.
	capEnd := end
	if !hitLimit {
		capEnd += int64(silentAfter)
	}
	conns, err := classifyCapture(pk, trial.Start(), capEnd, uint16(port))
	if err != nil {
		return nil, err
	}
	res := &RunResult{DelayErr: med, DelayP99: p99, Packets: len(pk), HitLimits: hitLimit, Connections: count}
	r := &res.Run
	r.Point, r.Run, r.Seed, r.SweepValues = point, run, seed, sweepValues
	var first *capture.Connection
	if len(conns) > 0 {
		first = &conns[0]
		r.Segments, r.Established, r.GaveUp = first.Run.Segments, first.Run.Established, first.Run.GaveUp
	}
	r.HitHorizon = hitLimit
	r.End = engine.Time(end - trial.Start())
	firstProc := [2]string{"main", "main"}
	if many {
		firstProc[1] = "conn-0"
	}
	sides := [2]*helper{nil, server}
	if len(clients) > 0 {
		sides[0] = clients[0]
	}
	for _, h := range clients[min(1, len(clients)):] {
		alive := h.alive()
		h.kill()
		if failedConnect(h.trace().Events, alive) {
			res.Failed++
		}
	}
	for i, h := range sides {
		r.Exit[i] = "ok"
		if h == nil {
			continue
		}
		alive := h.alive()
		h.kill()
		res.Traces[i] = h.trace()
		r.Exit[i], r.Errors[i], r.BytesSent[i], r.BytesReceived[i] = summarize(res.Traces[i].Events, alive, firstProc[i])
		if i == 0 || !many {
			if h.killedBy(syscall.SIGPIPE) {
				// The write that raised it failed with EPIPE.
				r.Exit[i] = "SIGPIPE"
				if r.Errors[i] == "" {
					r.Errors[i] = "EPIPE"
				}
			}
		}
		if i == 0 && failedConnect(res.Traces[0].Events, alive) {
			res.Failed++
		}
	}
	clients, server = nil, nil
	// The close type and the wire's facts are the reader's, as emu
	// classify gives them for the capture; what the programs saw (their
	// errors, the bytes they wrote and read) is the helpers'.
	if first != nil {
		res.Outcome = first.Outcome
	} else {
		res.Outcome = results.Classify(r) // nothing on the wire: no-connect
		results.WireConventions(&res.Outcome)
	}
	res.Outcome.Errors, res.Outcome.BytesSent, res.Outcome.BytesReceived = r.Errors, r.BytesSent, r.BytesReceived
	if first != nil && len(pk) > 0 {
		res.Outcome.TimeWait = timeWaitLength(first, res.Outcome.TimeWaitSide, twLeft, twSeen, twRead, pk[0].at)
	}
	res.count(conns)
	if pcapPath != "" {
		if err := writePcap(pcapPath, pk, trial.Start()); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// activeSockets reports whether either namespace still has a socket on
// port in another state than TIME_WAIT or CLOSE.
func (p *Point) activeSockets(port uint16) (bool, error) {
	for i := range 2 {
		states, err := p.pair.Sockets(i, port)
		if err != nil {
			return false, err
		}
		for _, st := range states {
			if st != tcpTimeWait && st != tcpClose {
				return true, nil
			}
		}
	}
	return false, nil
}

// timeWaitLength is the longest TIME_WAIT the sides of c held, measured on
// the kernels: from the side's last segment (its ACK of the peer's FIN,
// which put it in TIME_WAIT), captured firstAt + At on CLOCK_MONOTONIC,
// to readAt (when its namespace's sockets were read), plus what its timer
// still had to run then. Sides the capture
// conventions do not put in TIME_WAIT, or whose socket was not seen, count
// nothing; 0 when none is measured.
func timeWaitLength(c *capture.Connection, sides results.SideSet, left [2]time.Duration, seen [2]bool, readAt [2]int64, firstAt int64) time.Duration {
	var longest time.Duration
	for _, side := range []results.Side{results.Client, results.Server} {
		if !sides.Has(side) || !seen[side] {
			continue
		}
		last := -1
		for i := range c.Run.Segments {
			if c.Run.Segments[i].From == side {
				last = i
			}
		}
		if last < 0 {
			continue
		}
		entered := firstAt + int64(c.Run.Segments[last].At)
		longest = max(longest, time.Duration(readAt[side]-entered)+left[side])
	}
	return longest
}
