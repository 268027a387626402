package kernel

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/scenarios"
)

// Timing of a run's end. A run ends when both programs have ended and the
// connection is over on the wire (a RST, or both FINs acknowledged) and has
// been quiet for settleQuiet plus two round trips; or when the programs
// have ended and nothing crossed the link for idleLimit (a side retrying
// into silence, or a connection left half open); or at stop_after.
const (
	settleQuiet = 20 * time.Millisecond
	idleLimit   = 3 * time.Second
	pollEvery   = 2 * time.Millisecond
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
	return &Point{cfg: cfg, setup: setup, pair: pair, relay: NewRelay(pair), exe: exe}, nil
}

// Close stops the relay and removes the namespaces and devices.
func (p *Point) Close() error {
	p.relay.Close()
	return p.pair.Close()
}

// helper is one side's running helper process.
type helper struct {
	cmd    *exec.Cmd
	done   chan struct{}
	ready  chan struct{}
	mu     sync.Mutex
	events []Event
	stderr bytes.Buffer
	pgid   int
}

func (p *Point) start(side int, spec *SideSpec) (*helper, error) {
	b, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("ip", "netns", "exec", p.pair.Names[side], p.exe)
	cmd.Env = append(os.Environ(), SideEnv+"="+string(b))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	h := &helper{cmd: cmd, done: make(chan struct{}), ready: make(chan struct{})}
	cmd.Stderr = &h.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the %s helper: %w", spec.Side, err)
	}
	h.pgid = cmd.Process.Pid
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		readied := false
		for sc.Scan() {
			var e Event
			if json.Unmarshal(sc.Bytes(), &e) != nil {
				continue
			}
			h.mu.Lock()
			h.events = append(h.events, e)
			h.mu.Unlock()
			if e.Ready && !readied {
				readied = true
				close(h.ready)
			}
		}
		_ = cmd.Wait()
		close(h.done)
	}()
	return h, nil
}

// alive reports whether any process of the helper's group is left (a
// forked child outlives its parent).
func (h *helper) alive() bool {
	select {
	case <-h.done:
	default:
		return true
	}
	return unix.Kill(-h.pgid, 0) == nil
}

// kill ends every process of the helper's group and waits for the leader.
func (h *helper) kill() {
	_ = unix.Kill(-h.pgid, unix.SIGKILL)
	<-h.done
}

func (h *helper) trace() Trace {
	h.mu.Lock()
	defer h.mu.Unlock()
	return Trace{Events: append([]Event(nil), h.events...), Stderr: h.stderr.String()}
}

// Run executes run k of the point with seed, the server listening on a
// port of its own. pcapPath, when not empty, receives the capture.
func (p *Point) Run(ctx context.Context, point, run int, seed uint64, sweepValues []string, pcapPath string) (*RunResult, error) {
	if err := p.relay.Err(); err != nil {
		return nil, err
	}
	port := 10000 + run%50000
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
	trial, err := p.relay.Begin(p.cfg.Link, seed, uint16(port))
	if err != nil {
		return nil, err
	}
	specs[0].Start, specs[1].Start = trial.Start(), trial.Start()
	var helpers [2]*helper
	defer func() {
		for _, h := range helpers {
			if h != nil {
				h.kill()
			}
		}
	}()
	horizon := time.Duration(p.cfg.StopAfter)
	deadline := time.Now().Add(horizon)
	if !p.cfg.Server.NoListen {
		h, err := p.start(1, specs[1])
		if err != nil {
			return nil, err
		}
		helpers[1] = h
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
	h, err := p.start(0, specs[0])
	if err != nil {
		return nil, err
	}
	helpers[0] = h
	rtt := p.cfg.Link.Forward.Delay + p.cfg.Link.Reverse.Delay
	hitLimit := false
	for {
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
		running := false
		for _, h := range helpers {
			if h != nil && h.alive() {
				running = true
			}
		}
		if running {
			continue
		}
		idle := trial.Idle()
		if settled(trial.Segments()) && idle > settleQuiet+2*rtt || idle > idleLimit {
			break
		}
	}
	end := monotonic()
	segs, pk, med, p99 := trial.Finish()
	res := &RunResult{DelayErr: med, DelayP99: p99, Packets: len(pk), HitLimits: hitLimit}
	r := &res.Run
	r.Point, r.Run, r.Seed, r.SweepValues = point, run, seed, sweepValues
	r.Segments = segs
	r.Established = established(segs)
	r.HitHorizon = hitLimit
	r.End = engine.Time(end - trial.Start())
	for i, h := range helpers {
		r.Exit[i] = "ok"
		if h == nil {
			continue
		}
		alive := h.alive()
		h.kill()
		helpers[i] = nil
		res.Traces[i] = h.trace()
		r.Exit[i], r.Errors[i], r.BytesSent[i], r.BytesReceived[i] = summarize(res.Traces[i].Events, alive)
	}
	res.Outcome = results.Classify(r)
	wireConventions(&res.Outcome)
	if pcapPath != "" {
		if err := writePcap(pcapPath, pk, trial.Start()); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// summarize reads a side's events: how its main process ended, its first
// error (the main process's, else a child's), and the bytes all its
// processes sent and received.
func summarize(events []Event, alive bool) (exit, firstErr string, sent, received int64) {
	last := map[string]Event{}
	var order []string
	exit = "blocked"
	for _, e := range events {
		if _, ok := last[e.Proc]; !ok {
			order = append(order, e.Proc)
		}
		last[e.Proc] = e
		if e.Proc == "main" && e.Exit != "" {
			exit = e.Exit
		}
	}
	if alive && exit != "ok" {
		exit = "blocked"
	}
	for _, p := range order {
		e := last[p]
		sent += e.Sent
		received += e.Received
		if firstErr == "" || p == "main" && e.Error != "" {
			if e.Error != "" {
				firstErr = e.Error
			}
		}
	}
	return exit, firstErr, sent, received
}

// Executable returns the program to run as side helper: this one.
func Executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(exe)
}
