package kernel

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The environment variables that turn emu (or a test binary) into a side
// helper: SideEnv holds the SideSpec as JSON.
const SideEnv = "EMU_KERNEL_SIDE"

// MaybeSide runs the side helper and exits when the process was started as
// one (SideEnv set); otherwise it returns at once. Call it first thing in
// main, and in TestMain of packages whose tests run emu kernel.
func MaybeSide() {
	v, ok := os.LookupEnv(SideEnv)
	if !ok {
		return
	}
	var spec SideSpec
	if err := json.Unmarshal([]byte(v), &spec); err != nil {
		fmt.Fprintf(os.Stderr, "emu kernel side: bad spec: %v\n", err)
		os.Exit(3)
	}
	os.Exit(runSide(&spec))
}

// side is a helper process running one program.
type side struct {
	spec     *SideSpec
	proc     string
	out      *os.File
	mu       sync.Mutex
	fd       int // the connection, or -1
	sockOpts []SockOpt
	ignore   bool // SIGPIPE ignored
	sent     int64
	received int64
	firstErr string
	children []*exec.Cmd
	spares   map[int]*spare // by the index of their fork in the program
	at       int            // index of the action running
}

func runSide(spec *SideSpec) int {
	s := &side{spec: spec, proc: "main", out: os.Stdout, fd: -1, sockOpts: spec.SockOpts}
	if spec.Child {
		s.proc = "child"
		if !spec.NoConn {
			s.fd = 3
		}
	}
	if spec.Proc != "" {
		s.proc = spec.Proc
	}
	// A real-time task, woken as soon as its call returns even on a busy
	// machine (see realtime.go); best effort.
	_ = realtimeProcess(sidePriority)
	// SIGPIPE's default action, as for any C program: Go's runtime
	// catches it otherwise, and a write would fail with EPIPE instead of
	// killing the process.
	if err := setSigpipe(false); err != nil {
		fmt.Fprintf(os.Stderr, "emu kernel side: SIGPIPE: %v\n", err)
		return 3
	}
	if spec.Spare {
		ok, err := s.awaitHandoff()
		if err != nil {
			fmt.Fprintf(os.Stderr, "emu kernel side: %v\n", err)
			return 3
		}
		if !ok {
			return 0
		}
	}
	// Children of this process's forks start now, so that each fork
	// only hands its child the socket.
	s.spares = map[int]*spare{}
	if !(spec.Side == "server" && spec.Many > 0 && !spec.Child) {
		for i, op := range spec.Ops {
			if op.Kind == "fork" {
				if sp, err := s.startSpare(op.Fork); err == nil {
					s.spares[i] = sp
				}
			}
		}
	}
	lfd := -1
	if spec.Side == "server" && !spec.Child {
		var err error
		if lfd, err = s.listen(); err != nil {
			fmt.Fprintf(os.Stderr, "emu kernel side: listen: %v\n", err)
			return 3
		}
		s.emit(Event{Ready: true})
		if spec.Many > 0 {
			return s.serveMany(lfd)
		}
	}
	for i, op := range spec.Ops {
		s.at = i
		if exit := s.do(op, &lfd); exit != "" {
			s.emit(Event{Exit: exit})
			if exit == "crash" || exit == "SIGPIPE" {
				// A real death: the kernel closes the sockets as for any
				// killed process, without the program's help.
				_ = unix.Kill(os.Getpid(), unix.SIGKILL)
				time.Sleep(time.Hour)
			}
			return 0
		}
	}
	s.emit(Event{Exit: "ok"})
	return 0
}

func (s *side) now() int64 { return monotonic() - s.spec.Start }

func (s *side) emit(e Event) {
	s.mu.Lock()
	e.Proc, e.Sent, e.Received, e.Error = s.proc, s.sent, s.received, s.firstErr
	s.mu.Unlock()
	b, _ := json.Marshal(e)
	// One write per line: lines of a parent and its forked child on the
	// same pipe do not interleave (writes under PIPE_BUF are atomic).
	_, _ = s.out.Write(append(b, '\n'))
}

func (s *side) fail(err error) string {
	name := errnoName(err)
	s.mu.Lock()
	if s.firstErr == "" {
		s.firstErr = name
	}
	s.mu.Unlock()
	return name
}

func errnoName(err error) string {
	var e unix.Errno
	if errors.As(err, &e) {
		if n := unix.ErrnoName(e); n != "" {
			return n
		}
	}
	return err.Error()
}

func (s *side) socket() (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	for _, o := range s.sockOpts {
		if err := unix.SetsockoptInt(fd, o.Level, o.Opt, o.Value); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("%s: %w", o.Name, err)
		}
	}
	return fd, nil
}

func addr(ip string, port int) *unix.SockaddrInet4 {
	sa := &unix.SockaddrInet4{Port: port}
	copy(sa.Addr[:], parseIPv4(ip))
	return sa
}

func (s *side) listen() (int, error) {
	fd, err := s.socket()
	if err != nil {
		return -1, err
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return -1, err
	}
	if err := unix.Bind(fd, addr(s.spec.Local, s.spec.Port)); err != nil {
		return -1, err
	}
	return fd, unix.Listen(fd, 128)
}

// do runs one action and returns how the process ended, or "" to go on.
func (s *side) do(op OpSpec, lfd *int) string {
	t0 := s.now()
	result := "ok"
	var err error
	switch op.Kind {
	case "connect":
		if s.fd, err = s.socket(); err == nil {
			if err = unix.Bind(s.fd, addr(s.spec.Local, 0)); err == nil {
				err = unix.Connect(s.fd, addr(s.spec.Peer, s.spec.Port))
			}
		}
	case "accept":
		var nfd int
		for {
			nfd, _, err = unix.Accept4(*lfd, unix.SOCK_CLOEXEC)
			if err != unix.EINTR {
				break
			}
		}
		if err == nil {
			s.fd = nfd
			unix.Close(*lfd)
			*lfd = -1
		}
	case "send":
		// Without MSG_NOSIGNAL: a write to a connection the peer reset
		// raises a real SIGPIPE, which kills this process unless the
		// program set sigpipe: ignore.
		err = s.send(op.Size)
	case "read", "wait":
		mode, size := op.Read, op.Size
		if op.Kind == "wait" {
			mode = "eof"
		}
		result, err = s.read(mode, size)
	case "sleep":
		ts := unix.NsecToTimespec(op.Sleep)
		for {
			var rem unix.Timespec
			if e := unix.Nanosleep(&ts, &rem); e != unix.EINTR {
				break
			}
			ts = rem
		}
	case "close":
		err = unix.Close(s.fd)
		s.fd = -1
	case "shutdown":
		how := map[string]int{"write": unix.SHUT_WR, "read": unix.SHUT_RD, "both": unix.SHUT_RDWR}[op.How]
		err = unix.Shutdown(s.fd, how)
	case "abort":
		if err = unix.SetsockoptLinger(s.fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0}); err == nil {
			err = unix.Close(s.fd)
			s.fd = -1
		}
	case "crash":
		s.emit(Event{Call: "crash", Result: "ok", T0: t0, T1: t0})
		return "crash"
	case "set":
		err = s.set(op)
	case "fork":
		err = s.fork(op)
	default:
		err = fmt.Errorf("unknown action %q", op.Kind)
	}
	if err != nil {
		result = s.fail(err)
	}
	s.emit(Event{Call: op.Kind, Result: result, T0: t0, T1: s.now()})
	return ""
}

func (s *side) send(n int64) error {
	buf := make([]byte, min(n, 1<<16))
	for n > 0 {
		m, err := unix.SendmsgN(s.fd, buf[:min(n, int64(len(buf)))], nil, nil, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.sent += int64(m)
		s.mu.Unlock()
		n -= int64(m)
	}
	return nil
}

// read reads size bytes ("bytes"), to end of file ("eof") or what has
// arrived ("available"), and returns what it got: "EOF" when it met the end
// of file, else the bytes read.
func (s *side) read(mode string, size int64) (string, error) {
	buf := make([]byte, 1<<16)
	var got int64
	for mode != "bytes" || got < size {
		want := len(buf)
		if mode == "bytes" {
			want = int(min(int64(len(buf)), size-got))
		}
		flags := 0
		if mode == "available" {
			flags = unix.MSG_DONTWAIT
		}
		m, _, err := unix.Recvfrom(s.fd, buf[:want], flags)
		if err == unix.EINTR {
			continue
		}
		if mode == "available" && err == unix.EAGAIN {
			break
		}
		if err != nil {
			return "", err
		}
		if m == 0 {
			return "EOF", nil
		}
		got += int64(m)
		s.mu.Lock()
		s.received += int64(m)
		s.mu.Unlock()
	}
	return strconv.FormatInt(got, 10) + "B", nil
}

func (s *side) set(op OpSpec) error {
	opts := []SockOpt{}
	if op.QuickAck != nil {
		opts = append(opts, SockOpt{Name: "TCP_QUICKACK", Level: unix.IPPROTO_TCP, Opt: unix.TCP_QUICKACK, Value: b2i(*op.QuickAck)})
	}
	if op.NoDelay != nil {
		opts = append(opts, SockOpt{Name: "TCP_NODELAY", Level: unix.IPPROTO_TCP, Opt: unix.TCP_NODELAY, Value: b2i(*op.NoDelay)})
	}
	if op.Sigpipe != "" {
		s.ignore = op.Sigpipe == "ignore"
		if err := setSigpipe(s.ignore); err != nil {
			return err
		}
	}
	if s.fd < 0 {
		// Before connect: the options apply to the socket when it exists.
		s.sockOpts = append(s.sockOpts, opts...)
		return nil
	}
	for _, o := range opts {
		if err := unix.SetsockoptInt(s.fd, o.Level, o.Opt, o.Value); err != nil {
			return err
		}
	}
	if op.Linger != nil {
		l := &unix.Linger{}
		if *op.Linger >= 0 {
			l.Onoff, l.Linger = 1, int32(*op.Linger)
		}
		return unix.SetsockoptLinger(s.fd, unix.SOL_SOCKET, unix.SO_LINGER, l)
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// fork starts a child helper that shares the connection (a duplicate of
// its descriptor as fd 3) and runs op.Fork concurrently, as fork(2) would.
// It inherits the process group, so the run's end kills it too.
func (s *side) fork(op OpSpec) error {
	if sp := s.spares[s.at]; sp != nil {
		delete(s.spares, s.at)
		return sp.hand(s.fd, handoff{Ignore: s.ignore})
	}
	return s.forkWith(op.Fork, s.fd, "")
}

// serveMany is a forking server: it accepts spec.Many connections and
// hands each to a child process (conn-0, conn-1, ...) that runs the program
// after its accept, then ends.
func (s *side) serveMany(lfd int) int {
	next, _ := s.startSpare(s.spec.Ops[1:])
	for i := range s.spec.Many {
		t0 := s.now()
		fd, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			s.emit(Event{Call: "accept", Result: s.fail(err), T0: t0, T1: s.now()})
			continue
		}
		t1 := s.now()
		// The accept is reported once the child holds the connection: the
		// run's end may stop this process as soon as it has reported every
		// accept, and its death must not close a connection no child has.
		var ferr error
		if next != nil {
			ferr = next.hand(fd, handoff{Proc: fmt.Sprintf("conn-%d", i), Ignore: s.ignore})
			next, _ = s.startSpare(s.spec.Ops[1:])
		} else {
			ferr = s.forkWith(s.spec.Ops[1:], fd, fmt.Sprintf("conn-%d", i))
		}
		unix.Close(fd)
		s.emit(Event{Call: "accept", Result: "ok", T0: t0, T1: t1})
		if ferr != nil {
			s.emit(Event{Call: "fork", Result: s.fail(ferr), T0: t1, T1: s.now()})
		}
	}
	s.emit(Event{Exit: "ok"})
	return 0
}

// forkWith starts a child helper running ops on a duplicate of fd (none
// when fd < 0), named proc in the events (default child).
func (s *side) forkWith(ops []OpSpec, fd int, proc string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	spec := *s.spec
	spec.Ops, spec.Child, spec.SockOpts, spec.Many, spec.Proc, spec.NoConn = ops, true, nil, 0, proc, fd < 0
	if s.ignore {
		spec.Ops = append([]OpSpec{{Kind: "set", Sigpipe: "ignore"}}, spec.Ops...)
	}
	b, _ := json.Marshal(spec)
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), SideEnv+"="+string(b))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if fd >= 0 {
		// A duplicate, so that closing the *os.File after the start
		// leaves the process's own descriptor open.
		dup, err := unix.Dup(fd)
		if err != nil {
			return err
		}
		f := os.NewFile(uintptr(dup), "conn")
		defer f.Close()
		cmd.ExtraFiles = []*os.File{f}
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	s.children = append(s.children, cmd)
	return nil
}

// setSigpipe sets the process's SIGPIPE disposition: SIG_IGN, or SIG_DFL
// (terminate). Go's signal package has no way to restore SIG_DFL for a
// signal its runtime handles, hence rt_sigaction itself; the structure is
// all zero but its handler, which reads the same on every architecture.
func setSigpipe(ignore bool) error {
	var act [4]uintptr
	if ignore {
		act[0] = 1 // SIG_IGN
	}
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGPIPE), uintptr(unsafe.Pointer(&act[0])), 0, 8, 0, 0); e != 0 {
		return e
	}
	return nil
}
