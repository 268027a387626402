package tcp

import (
	"fmt"
	"strconv"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/internal/units"
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
type Process struct {
	host     *Host
	ops      []Op
	pc       int
	port     uint16
	settings Settings
	ep       *Endpoint
	lis      *Listener
	pending  []SetOptions // options set before the socket existed

	started    bool
	remaining  int64
	timer      engine.Timer
	timerFired bool
	blocked    bool
	wakeQueued bool
	done       bool
	firstErr   Errno

	waitingAccept bool
	resume        engine.Func
}

// Spawn creates a process on h that runs ops against port on the peer. A
// process whose first action is accept listens on port from the start, so
// that a SYN arriving before it runs finds the listener. The process runs
// from the current virtual time once the scheduler runs.
func (h *Host) Spawn(port uint16, s Settings, ops []Op) (*Process, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", h.Name, err)
	}
	p := &Process{host: h, ops: ops, port: port, settings: s}
	p.timer.Init(h.sched, p.onTimer, 0)
	p.resume = p.step
	if len(ops) > 0 && ops[0].Kind == OpAccept {
		// Processes of one server share its listening socket, as the
		// children of a forking server do.
		if p.lis = h.Listener(port); p.lis == nil {
			l, err := h.Listen(port, s)
			if err != nil {
				return nil, err
			}
			p.lis = l
		}
	}
	p.wakeQueued = true
	h.sched.At(h.sched.Now(), p.resume, 0)
	return p, nil
}

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
		p.host.sched.At(p.host.sched.Now(), p.resume, 0)
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
			return
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
}

func (p *Process) fail(err Errno) {
	if err != ErrNone && p.firstErr == ErrNone {
		p.firstErr = err
	}
}

func (p *Process) emit(call, result string) {
	if h := p.host; h.obs != nil {
		h.obs.App(h.sched.Now(), h, p.ep, AppEvent{Call: call, Result: result})
	}
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
		if op.Duration <= 0 {
			return true
		}
		if first {
			p.timer.SetAfter(op.Duration)
			return false
		}
		return p.timerFired
	case OpClose:
		return p.close(first)
	case OpShutdown:
		if p.ep == nil {
			p.fail(ENOTCONN)
			return true
		}
		how := map[ShutdownHow]string{ShutWrite: "write", ShutRead: "read", ShutBoth: "both"}[op.How]
		err := p.ep.shutdown(op.How)
		p.fail(err)
		p.emit("shutdown("+how+")", err.String())
		return true
	case OpAbort:
		if p.ep != nil {
			p.ep.linger = Linger{On: true}
		}
		p.emit("abort", "")
		return p.close(true)
	case OpCrash:
		p.emit("crash", "")
		if p.ep != nil {
			p.ep.closeSocket(true)
		}
		if p.lis != nil {
			p.lis.Close()
		}
		p.done = true
		return true
	case OpSet:
		if p.ep == nil {
			p.pending = append(p.pending, op.Set)
		} else {
			p.ep.setOptions(&op.Set)
		}
		p.emit("setsockopt", describeSet(&op.Set))
		return true
	}
	return true
}

// attach makes e the process's socket and applies the options set before
// it existed.
func (p *Process) attach(e *Endpoint) {
	p.ep = e
	e.proc = p
	e.owner = p
	for i := range p.pending {
		e.setOptions(&p.pending[i])
	}
	p.pending = nil
}

func (p *Process) connect(first bool) bool {
	if first {
		e, err := p.host.Connect(p.port, p.settings)
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
	if p.lis == nil {
		p.fail(ENOTCONN)
		return true
	}
	e := p.lis.Accept()
	if e == nil {
		if !p.waitingAccept {
			p.waitingAccept = true
			p.lis.waiters = append(p.lis.waiters, p)
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
	if p.ep == nil {
		p.fail(ENOTCONN)
		return true
	}
	n, err, _ := p.ep.write(p.remaining)
	p.remaining -= n
	if err != ErrNone {
		p.fail(err)
		p.emit("send", err.String())
		return true
	}
	if p.remaining > 0 {
		return false
	}
	if p.host.obs != nil {
		p.emit("send", units.FormatSize(op.Size))
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
	if p.ep == nil {
		p.fail(ENOTCONN)
		return true
	}
	for {
		n, eof, err, block := p.ep.read(p.remaining)
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
	if p.ep == nil {
		if first {
			p.emit("close", "")
		}
		return true
	}
	if first {
		p.emit("close", "")
		if !p.ep.closeSocket(false) {
			return true
		}
		if t := p.ep.linger.Timeout; t > 0 {
			p.timer.Set(p.host.deadline(t))
		}
		return false
	}
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
	if o.Linger != nil {
		if o.Linger.On {
			s += " linger=" + units.FormatDuration(o.Linger.Timeout)
		} else {
			s += " linger=off"
		}
	}
	if s == "" {
		return s
	}
	return s[1:]
}
