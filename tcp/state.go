package tcp

// State is an RFC 9293 connection state.
type State uint8

// RFC 9293 states.
const (
	Closed State = iota
	Listen
	SynSent
	SynReceived
	Established
	FinWait1
	FinWait2
	CloseWait
	Closing
	LastAck
	TimeWait
)

// NumStates is the number of states; State values are below it.
const NumStates = int(TimeWait) + 1

var stateNames = [...]string{"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED",
	"FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"}

// String returns the state's name as RFC 9293 writes it, e.g. "FIN_WAIT_1".
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "UNKNOWN"
}

// synchronized reports whether the state is past the opening handshake.
func (s State) synchronized() bool { return s >= Established }

// Errno is an error an application sees, named as Linux's errno.
type Errno uint8

// Errors applications see.
const (
	ErrNone Errno = iota
	ECONNREFUSED
	ECONNRESET
	EPIPE
	ETIMEDOUT
	EADDRNOTAVAIL
	ENOTCONN
	EBADF // a call by a process that holds no socket (forked before it was opened)
)

var errnoNames = [...]string{"", "ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EADDRNOTAVAIL", "ENOTCONN", "EBADF"}

// ErrnoByName returns the errno called name ("EPIPE"), or ErrNone.
func ErrnoByName(name string) Errno {
	for i, n := range errnoNames {
		if n == name {
			return Errno(i)
		}
	}
	return ErrNone
}

// String returns the errno name, or "" for ErrNone.
func (e Errno) String() string {
	if int(e) < len(errnoNames) {
		return errnoNames[e]
	}
	return "EUNKNOWN"
}

// Sequence-number comparisons modulo 2^32 (RFC 9293 3.4).
func seqLT(a, b uint32) bool { return int32(a-b) < 0 }
func seqLE(a, b uint32) bool { return int32(a-b) <= 0 }
func seqGT(a, b uint32) bool { return int32(a-b) > 0 }
func seqGE(a, b uint32) bool { return int32(a-b) >= 0 }
