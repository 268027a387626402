package tcp

import (
	"fmt"
	"time"
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
)

var opNames = map[OpKind]string{
	OpConnect: "connect", OpAccept: "accept", OpSend: "send", OpRead: "read", OpSleep: "sleep",
	OpClose: "close", OpShutdown: "shutdown", OpAbort: "abort", OpCrash: "crash", OpSet: "set",
	OpWaitEOF: "wait",
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
}

// Op is one application action.
type Op struct {
	Kind     OpKind
	Size     int64         // OpSend, OpRead with ReadBytes
	Read     ReadMode      // OpRead
	How      ShutdownHow   // OpShutdown
	Duration time.Duration // OpSleep
	Set      SetOptions    // OpSet
}
