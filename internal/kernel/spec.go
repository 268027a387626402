package kernel

import (
	"fmt"
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/tcp"
)

// SideSpec is what a side helper process is told: where it is, which
// socket options its sockets get and its program. It travels as JSON in
// the helper's environment.
type SideSpec struct {
	Side     string    `json:"side"` // "client" or "server"
	Local    string    `json:"local"`
	Peer     string    `json:"peer"`
	Port     int       `json:"port"` // the server's port
	Start    int64     `json:"start"`
	SockOpts []SockOpt `json:"sockopts,omitempty"`
	Ops      []OpSpec  `json:"ops"`
	Child    bool      `json:"child,omitempty"` // a forked child: its socket is fd 3
	// Many, for a server, is how many connections to accept, each handed
	// to a forked child that runs the program after its accept (a forking
	// server); 0 is one connection, served by the process itself.
	Many   int    `json:"many,omitempty"`
	Proc   string `json:"proc,omitempty"`    // the process's name in the events (default main, or child)
	NoConn bool   `json:"no_conn,omitempty"` // a child forked without a connection: its calls fail with EBADF
	Spare  bool   `json:"spare,omitempty"`   // a child started ahead: it waits on fd 3 for its socket (fork.go)
}

// SockOpt is one setsockopt applied to a side's socket when it is created.
type SockOpt struct {
	Name  string `json:"name"` // for messages: "TCP_NODELAY"
	Level int    `json:"level"`
	Opt   int    `json:"opt"`
	Value int    `json:"value"`
}

// OpSpec is one action of a side's program with its randomness resolved
// (a drawn sleep is a plain duration).
type OpSpec struct {
	Kind     string   `json:"kind"` // the action's name as do: writes it
	Size     int64    `json:"size,omitempty"`
	Read     string   `json:"read,omitempty"` // bytes, eof, available
	How      string   `json:"how,omitempty"`  // write, read, both
	Sleep    int64    `json:"sleep,omitempty"`
	QuickAck *bool    `json:"quickack,omitempty"`
	NoDelay  *bool    `json:"nodelay,omitempty"`
	Linger   *int     `json:"linger,omitempty"` // seconds; -1 off
	Sigpipe  string   `json:"sigpipe,omitempty"`
	Fork     []OpSpec `json:"fork,omitempty"`
}

// ResolveOps turns a do: list into the helper's program, drawing random
// sleeps from rng in list order (forks included, depth first).
func ResolveOps(ops []tcp.Op, rng *engine.Stream) ([]OpSpec, error) {
	out := make([]OpSpec, 0, len(ops))
	for _, op := range ops {
		s := OpSpec{Kind: op.Kind.String()}
		switch op.Kind {
		case tcp.OpSend:
			s.Size = op.Size
		case tcp.OpRead:
			switch op.Read {
			case tcp.ReadEOF:
				s.Read = "eof"
			case tcp.ReadAvailable:
				s.Read = "available"
			default:
				s.Read, s.Size = "bytes", op.Size
			}
		case tcp.OpShutdown:
			s.How = map[tcp.ShutdownHow]string{tcp.ShutWrite: "write", tcp.ShutRead: "read", tcp.ShutBoth: "both"}[op.How]
		case tcp.OpSleep:
			d := op.Duration
			if op.Dist != nil {
				d = op.Dist.Draw(rng)
			}
			s.Sleep = int64(d)
		case tcp.OpSet:
			s.QuickAck, s.NoDelay = op.Set.QuickAck, op.Set.NoDelay
			if l := op.Set.Linger; l != nil {
				secs := -1
				if l.On {
					if l.Timeout%time.Second != 0 {
						return nil, fmt.Errorf("set.linger %v: SO_LINGER takes whole seconds on a real kernel", l.Timeout)
					}
					secs = int(l.Timeout / time.Second)
				}
				s.Linger = &secs
			}
			if op.Set.SigpipeIgnore != nil {
				s.Sigpipe = "terminate"
				if *op.Set.SigpipeIgnore {
					s.Sigpipe = "ignore"
				}
			}
		case tcp.OpFork:
			child, err := ResolveOps(op.Fork, rng)
			if err != nil {
				return nil, err
			}
			s.Fork = child
		}
		out = append(out, s)
	}
	return out, nil
}

// Event is one line a side helper writes: a socket call with its result,
// its start and end time (ns since the run's time 0), and the process's
// running totals, so that the last line of a process killed at the horizon
// still tells what it did.
type Event struct {
	Proc     string `json:"proc"` // "main" or "child"
	Call     string `json:"call,omitempty"`
	Result   string `json:"result,omitempty"` // "ok", "100B", "EOF", an errno name
	T0       int64  `json:"t0,omitempty"`
	T1       int64  `json:"t1,omitempty"`
	Ready    bool   `json:"ready,omitempty"` // the server listens
	Exit     string `json:"exit,omitempty"`  // ok, crash, SIGPIPE: the program ended
	Sent     int64  `json:"sent"`
	Received int64  `json:"received"`
	Error    string `json:"error,omitempty"` // the process's first error
}
