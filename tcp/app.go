package tcp

import (
	"fmt"
	"time"

	"github.com/emu-sim/emu/engine"
)

// OpKind is an application action, one entry of a scenario's `do:` list.
type OpKind uint8

// Application actions (docs/scenarios.md, "Actions").
const (
	OpConnect  OpKind = iota + 1 // active open (client only)
	OpAccept                     // passive open: listen and wait for a connection (server only)
	OpSend                       // write Size bytes; blocks while the send buffer is full
	OpRead                       // read: Size bytes, until EOF, or what is available
	OpSleep                      // do nothing for Duration
	OpClose                      // close(2)
	OpShutdown                   // shutdown(2) with How
	OpAbort                      // SO_LINGER on with 0 timeout, then close
	OpCrash                      // the process dies; the kernel closes its sockets without lingering
	OpSet                        // setsockopt: quickack, nodelay, linger
	OpWaitEOF                    // block until the peer's FIN has been read
	OpFork                       // fork(2): a child runs Fork concurrently, sharing the caller's sockets
)

var opNames = map[OpKind]string{
	OpConnect: "connect", OpAccept: "accept", OpSend: "send", OpRead: "read", OpSleep: "sleep",
	OpClose: "close", OpShutdown: "shutdown", OpAbort: "abort", OpCrash: "crash", OpSet: "set",
	OpWaitEOF: "wait", OpFork: "fork",
}

// String returns the action's name as a do: list writes it.
func (k OpKind) String() string {
	if n, ok := opNames[k]; ok {
		return n
	}
	return fmt.Sprintf("op(%d)", uint8(k))
}

// ReadMode says how much an OpRead waits for.
type ReadMode uint8

// Read modes.
const (
	ReadBytes     ReadMode = iota + 1 // exactly Size bytes (fewer at EOF)
	ReadEOF                           // everything until the peer's FIN
	ReadAvailable                     // what has arrived, without blocking
)

// ShutdownHow is the argument of shutdown(2).
type ShutdownHow uint8

// shutdown(2) directions.
const (
	ShutWrite ShutdownHow = iota + 1 // SHUT_WR: send FIN, keep receiving
	ShutRead                         // SHUT_RD: nothing on the wire; reads return EOF
	ShutBoth                         // SHUT_RDWR
)

// Linger is the SO_LINGER option.
type Linger struct {
	On      bool
	Timeout time.Duration
}

// SetOptions are the socket options an OpSet changes; nil fields are left as they are.
type SetOptions struct {
	QuickAck *bool   // TCP_QUICKACK (not sticky on Linux: grants quick ACKs once)
	NoDelay  *bool   // TCP_NODELAY
	Linger   *Linger // SO_LINGER
	// SigpipeIgnore sets the process's SIGPIPE disposition: true is
	// SIG_IGN (a failing write returns EPIPE), false the default action
	// (the write kills the process). It belongs to the process, not the
	// socket, and a forked child inherits it.
	SigpipeIgnore *bool
}

// DurationDist is a distribution of durations, for a sleep drawn afresh in
// every run. Draw takes its randomness from rng only, so that a run's
// draws follow from its seed.
type DurationDist interface {
	Draw(rng *engine.Stream) time.Duration
}

// Op is one application action.
type Op struct {
	Kind     OpKind
	Size     int64         // OpSend, OpRead with ReadBytes
	Read     ReadMode      // OpRead
	How      ShutdownHow   // OpShutdown
	Duration time.Duration // OpSleep
	Dist     DurationDist  // OpSleep: when set, the sleep is drawn from it instead of Duration
	Set      SetOptions    // OpSet
	Fork     []Op          // OpFork: the child's program
}

// Exit is how a process's program ended, the runs.csv columns client_exit
// and server_exit.
type Exit uint8

// Process exits.
const (
	ExitBlocked Exit = iota // still waiting (or sleeping) when the run ended
	ExitOK                  // ran its whole list
	ExitCrash               // crashed (a crash action)
	ExitSIGPIPE             // killed by SIGPIPE
)

// String returns the column value: ok, crash, SIGPIPE or blocked.
func (x Exit) String() string {
	switch x {
	case ExitOK:
		return "ok"
	case ExitCrash:
		return "crash"
	case ExitSIGPIPE:
		return "SIGPIPE"
	}
	return "blocked"
}
