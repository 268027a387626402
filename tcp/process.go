package tcp

import (
	"fmt"
	"strconv"

	"github.com/emu-sim/emu/engine"
)

// Process is an application running a scenario's `do:` list on one socket.
// Each action is a socket call that blocks in virtual time as the real call
// would: connect until the handshake ends, read until data or EOF, send while
// the send buffer is full, close while SO_LINGER waits for the FIN's ACK.
//
// The process wakes in an event of its own, after the segment that woke it has
// been processed completely — as an application runs after the kernel's
// softirq, so that (for example) the ACK decision for an arriving FIN is made
// before the application can close.
//
// After its last action the process stays alive: its socket stays open. A
// scenario that wants the process to exit ends with close or crash.
//
// Sockets are held by reference, as file descriptors are: a process forked
// with a fork action holds every socket its parent held at that moment, and
// a connection closes when its last holder closes it (or dies).
type Process struct {
	host     *Host
	id       int // 1 for the host's first process, then in order of creation
	ops      []Op
	pc       int
	port     uint16
	settings *Settings    // shared (Host.shareSettings)
	ep       *Endpoint    // the process's connection (kept after close, for its counters)
	holds    bool         // the process still holds its reference to ep
	lis      *Listener    // the listener the process holds a reference to, if any
	pending  []SetOptions // options set before the socket existed

	sigpipeIgnore bool // SIGPIPE's disposition: ignored (EPIPE) or default (death)
	exit          Exit

	started    bool
	remaining  int64
	timer      engine.Timer
	timerFired bool
	blocked    bool
	wakeQueued bool
	done       bool
	firstErr   Errno

	waitingAccept bool
	forked        bool // created by a fork action
	detached      bool // nobody outside the host holds the process (Detach)
	keep          bool // owns an endpoint that is kept (Endpoint.Keep)
	resume        engine.Func
}

// Spawn creates a process on h that runs ops against port on the peer. A
// process whose first action is accept listens on port from the start, so
// that a SYN arriving before it runs finds the listener. The process runs
// from the current virtual time once the scheduler runs.
func (h *Host) Spawn(port uint16, s Settings, ops []Op) (*Process, error) {
	c, err := h.shareSettings(&s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", h.Name, err)
	}
	p := h.newProcess(port, c, ops)
	if len(ops) > 0 && ops[0].Kind == OpAccept {
		// A process that starts with accept listens, unless the port
		// already has a listener: then it is one of a forking server's
		// children, which accept from their parent's listening socket
		// but leave it to the parent, so that a child's death closes only
		// its own connection.
		if h.Listener(port) == nil {
			l, err := h.Listen(port, s)
			if err != nil {
				return nil, err
			}
			p.lis = l // the process holds the listener's first reference
		}
	}
	p.start()
	return p, nil
}

func (h *Host) newProcess(port uint16, s *Settings, ops []Op) *Process {
	h.procs++
	p := h.recycledProcess()
	if p == nil {
		p = &Process{}
		h.madeProcess(p)
		p.timer.Init(h.sched, p.onTimer, 0)
		p.resume = p.step
	}
	p.host, p.id, p.ops, p.port, p.settings = h, h.procs, ops, port, s
	return p
}

// start schedules the process's first step at the current virtual time.
func (p *Process) start() {
	p.wakeQueued = true
	p.host.sched.At(p.host.sched.Now(), p.resume, 0)
}

// ID returns the process's number on its host: 1 for the first, then in
// order of creation (forked children and a forking server's processes).
func (p *Process) ID() int { return p.id }

// Exit returns how the process's program ended, or ExitBlocked while it
// still runs.
func (p *Process) Exit() Exit { return p.exit }

// Endpoint returns the process's connection, or nil before connect/accept.
func (p *Process) Endpoint() *Endpoint { return p.ep }

// FirstError returns the first error a call of the process returned.
func (p *Process) FirstError() Errno { return p.firstErr }

// Done reports whether the process ran all its actions (or crashed).
func (p *Process) Done() bool { return p.done }

// BytesSent returns the bytes the process's send calls handed to the socket.
func (p *Process) BytesSent() int64 {
	if p.ep == nil {
		return 0
	}
	return p.ep.BytesWritten
}

// BytesReceived returns the bytes the process read.
func (p *Process) BytesReceived() int64 {
	if p.ep == nil {
		return 0
	}
	return p.ep.BytesRead
}

func (p *Process) wake() {
	if p.blocked && !p.wakeQueued && !p.done {
		p.wakeQueued = true
		at := p.host.sched.Now()
		if d := p.host.cfg.WakeupLatency; d != nil {
			at = at.Add(d.Draw(p.host.appRand()))
		}
		p.host.sched.At(at, p.resume, 0)
	}
}

func (p *Process) onTimer(now engine.Time, _ uint64) {
	p.timerFired = true
	p.wake()
}

func (p *Process) step(now engine.Time, _ uint64) {
	p.wakeQueued = false
	p.blocked = false
	for !p.done {
		if p.pc >= len(p.ops) {
			p.done = true
			p.exit = ExitOK
			break
		}
		if !p.exec(&p.ops[p.pc]) {
			p.blocked = true
			return
		}
		p.pc++
		p.started = false
		p.timerFired = false
		p.timer.Stop()
	}
	if p.detached {
		p.host.mayRecycle(p)
	}
}

func (p *Process) fail(err Errno) {
	if err != ErrNone && p.firstErr == ErrNone {
		p.firstErr = err
	}
}

func (p *Process) emit(call, result string) {
	if h := p.host; h.obs != nil {
		h.obs.App(h.sched.Now(), h, p.ep, AppEvent{Call: call, Result: result, Proc: p.id})
	}
}

// socket returns the connection the process holds, or nil.
func (p *Process) socket() *Endpoint {
	if p.holds {
		return p.ep
	}
	return nil
}

// noSocket is the errno of a socket call by a process that holds no
// connection: EBADF once it has closed or never inherited one, ENOTCONN
// before its own connect or accept.
func (p *Process) noSocket() Errno {
	if p.ep != nil || p.forked {
		return EBADF
	}
	return ENOTCONN
}

// release drops the process's reference to its connection. The last
// reference closes the socket as close(2) does (kernel: as the kernel does
// for a dying process, without lingering); it reports whether the caller
// must linger.
func (p *Process) release(kernel bool) (linger bool) {
	e := p.socket()
	if e == nil {
		return false
	}
	p.holds = false
	for i, h := range e.holders {
		if h == p {
			e.holders = append(e.holders[:i], e.holders[i+1:]...)
			break
		}
	}
	if len(e.holders) > 0 {
		// Another process still holds the socket: nothing happens on
		// the wire (the file's reference count only drops).
		return false
	}
	e.holders = append(e.holders, p) // a lingering close still blocks this process
	return e.closeSocket(kernel)
}

// die ends the process as the kernel ends a killed one: every socket it
// holds is closed as close(2) would, without lingering, and so is its
// listening socket if it held the last reference.
func (p *Process) die(how Exit) {
	p.release(true)
	if l := p.lis; l != nil {
		p.lis = nil
		if l.holders--; l.holders == 0 {
			l.Close()
		}
	}
	p.timer.Stop()
	p.done = true
	p.exit = how
}

// fork starts a child running ops that holds every socket p holds now.
func (p *Process) fork(ops []Op) *Process {
	c := p.host.newProcess(p.port, p.settings, ops)
	c.forked = true
	c.sigpipeIgnore = p.sigpipeIgnore
	c.ep = p.socket()
	if c.ep != nil {
		c.holds = true
		c.ep.holders = append(c.ep.holders, c)
		c.ep.pinned = true // the child is not detached
	}
	if p.lis != nil {
		c.lis = p.lis
		c.lis.holders++
	}
	c.pending = append([]SetOptions(nil), p.pending...)
	c.start()
	return c
}

// exec runs (or continues) one action; it reports whether the action finished.
func (p *Process) exec(op *Op) bool {
	first := !p.started
	p.started = true
	switch op.Kind {
	case OpConnect:
		return p.connect(first)
	case OpAccept:
		return p.accept()
	case OpSend:
		return p.send(op, first)
	case OpRead, OpWaitEOF:
		return p.read(op, first)
	case OpSleep:
		if first {
			d := op.Duration
			if op.Dist != nil {
				d = op.Dist.Draw(p.host.appRand())
				if p.host.obs != nil {
					p.emit("sleep", d.String())
				}
			}
			if d <= 0 {
				return true
			}
			p.timer.SetAfter(d)
			return false
		}
		return p.timerFired
	case OpClose:
		return p.close(first)
	case OpShutdown:
		how := map[ShutdownHow]string{ShutWrite: "write", ShutRead: "read", ShutBoth: "both"}[op.How]
		err := p.noSocket()
		if e := p.socket(); e != nil {
			err = e.shutdown(op.How)
		}
		p.fail(err)
		p.emit("shutdown("+how+")", err.String())
		return true
	case OpAbort:
		if e := p.socket(); e != nil {
			e.linger = Linger{On: true}
		}
		p.emit("abort", "")
		return p.close(true)
	case OpCrash:
		p.emit("crash", "")
		p.die(ExitCrash)
		return true
	case OpSet:
		if o := op.Set.SigpipeIgnore; o != nil {
			p.sigpipeIgnore = *o
		}
		if e := p.socket(); e != nil {
			e.setOptions(&op.Set)
		} else if p.ep == nil {
			p.pending = append(p.pending, op.Set)
		}
		p.emit("setsockopt", describeSet(&op.Set))
		return true
	case OpFork:
		c := p.fork(op.Fork)
		p.emit("fork", "["+strconv.Itoa(c.id)+"]")
		return true
	}
	return true
}

// attach makes e the process's socket and applies the options set before
// it existed.
func (p *Process) attach(e *Endpoint) {
	p.ep = e
	p.holds = true
	e.holders = append(e.holders, p)
	e.owner = p
	p.keep = p.keep || e.keep
	e.pinned = e.pinned || !p.detached
	for i := range p.pending {
		e.setOptions(&p.pending[i])
	}
	p.pending = nil
}

func (p *Process) connect(first bool) bool {
	if first {
		e, err := p.host.connect(p.port, p.settings)
		if err != nil {
			p.fail(EADDRNOTAVAIL)
			return true
		}
		p.attach(e)
	}
	switch p.ep.state {
	case SynSent, SynReceived:
		return false
	case Closed:
		err := p.ep.takeError()
		if err == ErrNone {
			err = ECONNREFUSED
		}
		p.fail(err)
		p.emit("connect", err.String())
		return true
	}
	p.emit("connect", "ok")
	return true
}

func (p *Process) accept() bool {
	l := p.lis
	if l == nil {
		// A forking server's child accepts from its parent's listener.
		l = p.host.Listener(p.port)
	}
	if l == nil {
		p.fail(EBADF)
		p.emit("accept", EBADF.String())
		return true
	}
	e := l.Accept()
	if e == nil {
		if !p.waitingAccept {
			p.waitingAccept = true
			l.waiters = append(l.waiters, p)
		}
		return false
	}
	p.waitingAccept = false
	p.attach(e)
	p.emit("accept", "ok")
	return true
}

func (p *Process) send(op *Op, first bool) bool {
	if first {
		p.remaining = op.Size
	}
	e := p.socket()
	if e == nil {
		err := p.noSocket()
		p.fail(err)
		p.emit("send", err.String())
		return true
	}
	n, err, _ := e.write(p.remaining)
	p.remaining -= n
	if err != ErrNone {
		p.fail(err)
		p.emit("send", err.String())
		if err == EPIPE && !p.sigpipeIgnore {
			// sk_stream_error: EPIPE from a write raises SIGPIPE, whose
			// default action kills the process; ECONNRESET does not.
			if h := p.host; h.obs != nil {
				h.obs.App(h.sched.Now(), h, p.ep, AppEvent{Call: "SIGPIPE", Result: "killed", Proc: p.id, Signal: true})
			}
			p.die(ExitSIGPIPE)
		}
		return true
	}
	if p.remaining > 0 {
		return false
	}
	if p.host.obs != nil {
		if h := p.host; h.obs != nil {
			h.obs.App(h.sched.Now(), h, p.ep, AppEvent{Call: "send", Result: strconv.FormatInt(op.Size, 10) + "B", Proc: p.id, Size: op.Size})
		}
	}
	return true
}

func (p *Process) read(op *Op, first bool) bool {
	mode := op.Read
	if op.Kind == OpWaitEOF {
		mode = ReadEOF
	}
	if first {
		p.remaining = op.Size
		if mode != ReadBytes {
			p.remaining = 1 << 62
		}
	}
	e := p.socket()
	if e == nil {
		err := p.noSocket()
		p.fail(err)
		p.emit("read", err.String())
		return true
	}
	for {
		n, eof, err, block := e.read(p.remaining)
		switch {
		case n > 0:
			if mode != ReadEOF {
				p.remaining -= n
			}
			if p.remaining == 0 {
				if p.host.obs != nil {
					p.emit("read", strconv.FormatInt(op.Size, 10)+"B")
				}
				return true
			}
			continue
		case eof:
			p.emit("read", "EOF")
			return true
		case err != ErrNone:
			p.fail(err)
			p.emit("read", err.String())
			return true
		case block && mode == ReadAvailable:
			p.emit("read", "available")
			return true
		case block:
			return false
		}
	}
}

func (p *Process) close(first bool) bool {
	e := p.socket()
	if first {
		p.emit("close", "")
		if e == nil || !p.release(false) {
			return true
		}
		if t := e.linger.Timeout; t > 0 {
			p.timer.Set(p.host.deadline(t, p.settings.TimerLateProb))
		}
		return false
	}
	// Lingering: the process gave up its reference but blocks until the
	// FIN is acknowledged or the linger time runs out.
	if p.ep.lingering() && !p.timerFired {
		return false
	}
	p.ep.orphanNow()
	p.emit("close", "linger done")
	return true
}

func describeSet(o *SetOptions) string {
	s := ""
	if o.QuickAck != nil {
		s += " quickack=" + strconv.FormatBool(*o.QuickAck)
	}
	if o.NoDelay != nil {
		s += " nodelay=" + strconv.FormatBool(*o.NoDelay)
	}
	if o.SigpipeIgnore != nil {
		if *o.SigpipeIgnore {
			s += " sigpipe=ignore"
		} else {
			s += " sigpipe=terminate"
		}
	}
	if o.Linger != nil {
		if o.Linger.On {
			s += " linger=" + o.Linger.Timeout.String()
		} else {
			s += " linger=off"
		}
	}
	if s == "" {
		return s
	}
	return s[1:]
}
