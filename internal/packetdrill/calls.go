package packetdrill

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/tcp"
)

// sock is one descriptor of the script.
type sock struct {
	listening bool
	lis       *tcp.Listener
	ep        *tcp.Endpoint
	nonblock  bool
	// Options set before the endpoint exists; a listener passes them on to
	// the connections it accepts, as Linux copies the listener's socket.
	opts tcp.SetOptions
	// cfg: the socket's own TCP settings after SO_RCVBUF or SO_SNDBUF,
	// nil for the run's.
	cfg *tcp.Settings
}

func (r *runner) settings(s *sock) tcp.Settings {
	if s.cfg != nil {
		return *s.cfg
	}
	return r.opt.Settings
}

// Linux errno numbers, for SO_ERROR values written as numbers.
var errnoNumbers = map[string]int64{
	"EPIPE": 32, "EAGAIN": 11, "EINVAL": 22, "EBADF": 9, "EADDRNOTAVAIL": 99,
	"ECONNRESET": 104, "ENOTCONN": 107, "ETIMEDOUT": 110, "ECONNREFUSED": 111,
	"EINPROGRESS": 115, "EALREADY": 114, "EISCONN": 106,
}

// Linux's fcntl flag values.
const (
	oRDWR     = 0x2
	oNONBLOCK = 0x800
)

// callNeeds names an option or argument of a supported call that emu does
// not model, or "".
func callNeeds(c *Call) string {
	arg := func(i int) string {
		if i < len(c.Args) {
			return c.Args[i]
		}
		return ""
	}
	switch c.Name {
	case "socket":
		if strings.Contains(strings.Join(c.Args, ","), "SOCK_DGRAM") {
			return "UDP sockets"
		}
	case "setsockopt", "getsockopt":
		switch arg(2) {
		case "SO_LINGER", "TCP_NODELAY", "SO_ERROR", "SO_REUSEADDR", "SO_RCVBUF", "SO_SNDBUF":
		case "TCP_QUICKACK":
			if c.Name == "getsockopt" {
				return "getsockopt TCP_QUICKACK"
			}
		default:
			return c.Name + " " + arg(2)
		}
	case "fcntl":
		if a := arg(1); a != "F_SETFL" && a != "F_GETFL" {
			return "fcntl " + a
		}
	case "send", "recv":
		if f := arg(3); f != "0" && f != "" {
			return c.Name + " flags " + f
		}
	}
	return ""
}

func (r *runner) fd(ev *Event) (*sock, int, bool) {
	if len(ev.Call.Args) == 0 {
		r.failAt(ev, "", "%s: missing the descriptor argument", ev.Call.Name)
		return nil, 0, false
	}
	n, err := strconv.Atoi(ev.Call.Args[0])
	if err != nil || n < 0 || n >= len(r.fds) || r.fds[n] == nil {
		return nil, n, false
	}
	return r.fds[n], n, true
}

func (r *runner) newFD(s *sock) int64 {
	for i := 3; i < len(r.fds); i++ {
		if r.fds[i] == nil {
			r.fds[i] = s
			return int64(i)
		}
	}
	for len(r.fds) < 3 {
		r.fds = append(r.fds, nil)
	}
	r.fds = append(r.fds, s)
	return int64(len(r.fds) - 1)
}

// call runs a system call line at time start. A call that would block
// either waits in virtual time (the script waits with it) or, written with
// an end time, runs in the background while the script goes on.
func (r *runner) call(ev *Event, start engine.Time) {
	c := ev.Call
	if c.Blocking && r.bg != nil {
		r.failAt(ev, "", "blocking system call while another blocking system call is already in progress (line %d)", r.bg.ev.Line)
		return
	}
	try := r.prepare(ev)
	if try == nil {
		return
	}
	done, ret, errno := try()
	if done {
		r.checkResult(ev, ret, errno)
		return
	}
	b := &blocked{ev: ev, try: try, started: start}
	if c.Blocking {
		var offset engine.Time
		if ev.When.Kind == Relative {
			offset = start.Add(-ev.When.Start)
		}
		b.end = offset.Add(c.End)
		b.tol = r.tol
		r.bg = b
		return
	}
	// The script waits for the call, as packetdrill's main thread does.
	deadline := r.sched.Now().Add(anyWait)
	var ok bool
	r.stepUntil(deadline, func() bool {
		ok, ret, errno = try()
		return ok
	})
	if r.fail != nil {
		return
	}
	if !ok {
		why := "nothing more can happen: no timer is pending"
		if r.sched.Pending() > 0 {
			why = "still waiting at " + secs(r.sched.Now()) + " sec"
		}
		r.failAt(ev, "blocked", "%s blocked at %s sec and never returned (%s); a call that waits for a later line of the script needs an end time, e.g. +0...0.1 %s(...)",
			c.Name, secs(start), why, c.Name)
		return
	}
	r.checkResult(ev, ret, errno)
}

// checkResult compares a call's result with the script's.
func (r *runner) checkResult(ev *Event, ret int64, errno string) {
	c := ev.Call
	got := strconv.FormatInt(ret, 10)
	if errno != "" {
		got += " " + errno
	}
	wantErrno := c.Errno
	if wantErrno == "EWOULDBLOCK" {
		wantErrno = "EAGAIN" // the same number on Linux and FreeBSD
	}
	if ret != c.Ret || (c.Ret == -1 && c.Errno != "" && errno != wantErrno) {
		want := strconv.FormatInt(c.Ret, 10)
		if c.Errno != "" {
			want += " " + c.Errno
		}
		r.failAt(ev, c.Name+" returned "+got, "%s returned %s, script expects %s", c.Name, got, want)
	}
}

type tryFunc func() (done bool, ret int64, errno string)

func now(ret int64) tryFunc { return func() (bool, int64, string) { return true, ret, "" } }
func fails(errno string) tryFunc {
	return func() (bool, int64, string) { return true, -1, errno }
}

// prepare returns the function that attempts the call; it is retried while
// the call would block. It returns nil after reporting a failure.
func (r *runner) prepare(ev *Event) tryFunc {
	c := ev.Call
	if c.Name == "socket" {
		return now(r.newFD(&sock{}))
	}
	s, fdn, ok := r.fd(ev)
	if r.fail != nil {
		return nil
	}
	if !ok {
		return fails("EBADF")
	}
	arg := func(i int) string {
		if i < len(c.Args) {
			return c.Args[i]
		}
		return ""
	}
	switch c.Name {
	case "bind":
		return now(0)
	case "listen":
		if s.lis == nil {
			l, err := r.peer.Host().Listen(localPort, r.settings(s))
			if err != nil {
				r.failAt(ev, "", "listen: %v", err)
				return nil
			}
			s.lis, s.listening = l, true
		}
		return now(0)
	case "accept":
		if !s.listening {
			return fails("EINVAL")
		}
		return func() (bool, int64, string) {
			e := s.lis.Accept()
			if e == nil {
				if s.nonblock {
					return true, -1, "EAGAIN"
				}
				return false, 0, ""
			}
			e.SetOptions(s.opts)
			return true, r.newFD(&sock{ep: e, opts: s.opts, cfg: s.cfg}), ""
		}
	case "connect":
		if s.ep == nil {
			e, err := r.peer.Host().Connect(remotePort, r.settings(s))
			if err != nil {
				return fails("EADDRNOTAVAIL")
			}
			s.ep = e
			r.peer.LocalPort, _ = e.Ports() // the remote answers the ephemeral port
			e.SetOptions(s.opts)
			if s.nonblock {
				return fails("EINPROGRESS")
			}
		}
		return func() (bool, int64, string) {
			done, err := s.ep.ConnectResult()
			switch {
			case !done && s.nonblock:
				return true, -1, "EALREADY"
			case !done:
				return false, 0, ""
			case err != tcp.ErrNone:
				return true, -1, err.String()
			}
			return true, 0, ""
		}
	case "read", "recv":
		n, err := strconv.ParseInt(arg(2), 10, 64)
		if err != nil || n < 0 {
			r.failAt(ev, "", "%s: length %q is not a whole number", c.Name, arg(2))
			return nil
		}
		if s.ep == nil {
			return fails("ENOTCONN")
		}
		return func() (bool, int64, string) {
			got, eof, e, block := s.ep.Read(n)
			switch {
			case got > 0:
				return true, got, ""
			case eof:
				return true, 0, ""
			case e != tcp.ErrNone:
				return true, -1, e.String()
			case block && s.nonblock:
				return true, -1, "EAGAIN"
			case block:
				return false, 0, ""
			}
			return true, 0, ""
		}
	case "write", "send":
		n, err := strconv.ParseInt(arg(2), 10, 64)
		if err != nil || n < 0 {
			r.failAt(ev, "", "%s: length %q is not a whole number", c.Name, arg(2))
			return nil
		}
		if s.ep == nil {
			return fails("EPIPE")
		}
		var sent int64
		return func() (bool, int64, string) {
			got, e, block := s.ep.Write(n - sent)
			sent += got
			switch {
			case e != tcp.ErrNone && sent == 0:
				return true, -1, e.String()
			case e != tcp.ErrNone || sent == n:
				return true, sent, ""
			case block && s.nonblock && sent == 0:
				return true, -1, "EAGAIN"
			case block && s.nonblock:
				return true, sent, ""
			case block:
				return false, 0, ""
			}
			return true, sent, ""
		}
	case "close":
		r.fds[fdn] = nil
		switch {
		case s.lis != nil:
			s.lis.Close()
			return now(0)
		case s.ep == nil:
			return now(0)
		}
		if !s.ep.Close() {
			return now(0)
		}
		// SO_LINGER with a timeout: close waits for the FIN's ACK or the
		// timeout (sk_stream_wait_close).
		until := r.sched.Now().Add(s.ep.LingerOption().Timeout)
		r.sched.At(until, func(engine.Time, uint64) {}, 0) // wakes the runner at the timeout
		return func() (bool, int64, string) {
			if s.ep.Lingering() && r.sched.Now() < until {
				return false, 0, ""
			}
			s.ep.FinishClose()
			return true, 0, ""
		}
	case "shutdown":
		how := map[string]tcp.ShutdownHow{"SHUT_WR": tcp.ShutWrite, "SHUT_RD": tcp.ShutRead, "SHUT_RDWR": tcp.ShutBoth}[arg(1)]
		if how == 0 {
			r.failAt(ev, "", "shutdown: %q is not SHUT_RD, SHUT_WR or SHUT_RDWR", arg(1))
			return nil
		}
		if s.ep == nil {
			return fails("ENOTCONN")
		}
		if e := s.ep.Shutdown(how); e != tcp.ErrNone {
			return fails(e.String())
		}
		return now(0)
	case "setsockopt":
		return r.setsockopt(ev, s)
	case "getsockopt":
		return r.getsockopt(ev, s)
	case "fcntl":
		if arg(1) == "F_GETFL" {
			v := int64(oRDWR)
			if s.nonblock {
				v |= oNONBLOCK
			}
			return now(v)
		}
		flags := arg(2)
		s.nonblock = strings.Contains(flags, "O_NONBLOCK")
		return now(0)
	}
	r.failAt(ev, "", "system call %s is not supported", c.Name)
	return nil
}

// optValue reads `[1]` or a linger struct `{onoff=1, linger=0}`.
func optValue(s string) (map[string]int64, error) {
	s = strings.TrimSpace(s)
	out := map[string]int64{}
	switch {
	case strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]"):
		v := strings.TrimSpace(s[1 : len(s)-1])
		if n, ok := errnoNumbers[v]; ok {
			out["value"] = n
			return out, nil
		}
		n, err := strconv.ParseInt(v, 0, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", v)
		}
		out["value"] = n
		return out, nil
	case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
		for _, kv := range strings.Split(s[1:len(s)-1], ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("%q is not name=value", strings.TrimSpace(kv))
			}
			k = strings.TrimPrefix(strings.TrimSpace(k), "l_")
			n, err := strconv.ParseInt(strings.TrimSpace(v), 0, 64)
			if err != nil {
				return nil, fmt.Errorf("%s=%q is not a number", k, strings.TrimSpace(v))
			}
			out[k] = n
		}
		if _, ok := out["onoff"]; !ok {
			return nil, fmt.Errorf("a linger value needs onoff= and linger=")
		}
		return out, nil
	}
	return nil, fmt.Errorf("option value %q is neither [N] nor {onoff=N, linger=N}", s)
}

func (r *runner) setsockopt(ev *Event, s *sock) tryFunc {
	c := ev.Call
	if len(c.Args) < 4 {
		r.failAt(ev, "", "setsockopt needs (fd, level, name, value, length)")
		return nil
	}
	name := c.Args[2]
	if name == "SO_REUSEADDR" {
		return now(0) // no meaning for emu's single address
	}
	v, err := optValue(c.Args[3])
	if err != nil {
		r.failAt(ev, "", "setsockopt %s: %v", name, err)
		return nil
	}
	var o tcp.SetOptions
	switch name {
	case "SO_RCVBUF", "SO_SNDBUF":
		if s.ep != nil || s.lis != nil {
			r.unsupported("setsockopt " + name + " after listen or connect")
			return nil
		}
		cfg := r.settings(s)
		n := int(v["value"])
		if r.opt.Profile == "" || r.opt.Profile == "linux" {
			n *= 2 // Linux doubles the value for its own overhead (sock_setsockopt)
		}
		if name == "SO_RCVBUF" {
			cfg.RcvBuf = n
		} else {
			cfg.SndBuf = n
		}
		if err := cfg.Validate(); err != nil {
			r.failAt(ev, "", "setsockopt %s: %v", name, err)
			return nil
		}
		s.cfg = &cfg
		return now(0)
	case "SO_LINGER":
		o.Linger = &tcp.Linger{On: v["onoff"] != 0, Timeout: time.Duration(v["linger"]) * time.Second}
	case "TCP_NODELAY":
		b := v["value"] != 0
		o.NoDelay = &b
	case "TCP_QUICKACK":
		b := v["value"] != 0
		o.QuickAck = &b
	default:
		r.failAt(ev, "", "setsockopt %s is not supported", name)
		return nil
	}
	if o.Linger != nil {
		s.opts.Linger = o.Linger
	}
	if o.NoDelay != nil {
		s.opts.NoDelay = o.NoDelay
	}
	if s.ep != nil {
		s.ep.SetOptions(o)
	}
	return now(0)
}

func (r *runner) getsockopt(ev *Event, s *sock) tryFunc {
	c := ev.Call
	if len(c.Args) < 4 {
		r.failAt(ev, "", "getsockopt needs (fd, level, name, value, length)")
		return nil
	}
	name := c.Args[2]
	want, err := optValue(c.Args[3])
	if err != nil {
		r.failAt(ev, "", "getsockopt %s: %v", name, err)
		return nil
	}
	got := map[string]int64{}
	switch name {
	case "SO_ERROR":
		var e tcp.Errno
		if s.ep != nil {
			e = s.ep.SocketError()
		}
		got["value"] = errnoNumbers[e.String()]
	case "TCP_NODELAY":
		if s.ep != nil && s.ep.NoDelay() || s.ep == nil && s.opts.NoDelay != nil && *s.opts.NoDelay {
			got["value"] = 1
		} else {
			got["value"] = 0
		}
	case "SO_LINGER":
		l := tcp.Linger{}
		if s.ep != nil {
			l = s.ep.LingerOption()
		} else if s.opts.Linger != nil {
			l = *s.opts.Linger
		}
		if l.On {
			got["onoff"] = 1
		} else {
			got["onoff"] = 0
		}
		got["linger"] = int64(l.Timeout / time.Second)
	case "SO_REUSEADDR":
		got["value"] = want["value"]
	case "SO_RCVBUF":
		got["value"] = int64(r.settings(s).RcvBuf)
	case "SO_SNDBUF":
		got["value"] = int64(r.settings(s).SndBuf)
	default:
		r.failAt(ev, "", "getsockopt %s is not supported", name)
		return nil
	}
	for _, k := range []string{"value", "onoff", "linger"} {
		if w, ok := want[k]; ok && got[k] != w {
			r.failAt(ev, fmt.Sprintf("%s %s=%d", name, k, got[k]), "getsockopt %s returned %s=%d, script expects %d", name, k, got[k], w)
			return nil
		}
	}
	return now(0)
}
