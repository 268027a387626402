// Package packetdrill reads scripts in the language of Google's packetdrill
// tool, as far as TCP teardown needs it, and runs them against one emu
// endpoint: the script's socket calls drive the endpoint, its `<` lines are
// segments injected from the remote side, its `>` lines the segments the
// endpoint must send, compared field by field with packetdrill's timing
// rules (docs/packetdrill.md lists what is supported).
package packetdrill

import (
	"fmt"
	"time"

	"github.com/emu-sim/emu/tcp"
)

// Script is a parsed packetdrill script.
type Script struct {
	File   string
	Events []Event
	// Tolerance and TolerancePercent come from a flags line at the top of
	// the script (--tolerance_usecs=N, --tolerance_percent=P); negative when
	// the script sets none.
	Tolerance        time.Duration
	TolerancePercent float64
	// Ignored lists what the script contains that the runner does not
	// execute: untimed shell commands and code blocks, flags other than
	// the tolerances.
	Ignored []Ignored
	// Profile is the profile a `--profile=NAME` flags line names (an emu
	// extension), or "".
	Profile string
	// Needs names what a flags line asks for that emu does not model
	// (IPv6, another MTU), or "".
	Needs string
}

// Ignored is one line the runner does not execute.
type Ignored struct {
	Line int
	What string // "shell command", "code block" or "flag --NAME"
}

// TimeKind is how an event's time is written.
type TimeKind uint8

// Event time forms.
const (
	Absolute      TimeKind = iota + 1 // 0.1
	Relative                          // +0.1
	Any                               // *
	AbsoluteRange                     // 0.1~0.2
	RelativeRange                     // +0.1~+0.2
)

// When is an event's time.
type When struct {
	Kind       TimeKind
	Start, End time.Duration // End: ranges only
	// Approx (emu's `~+0.04` / `~0.04`) relaxes the check: the tolerance is
	// at least a quarter of the offset and twice the usual one.
	Approx bool
}

// EventKind says what an event does.
type EventKind uint8

// Event kinds.
const (
	PacketEvent EventKind = iota + 1
	CallEvent
	// IgnoredEvent is a timed shell command or code block: emu runs no
	// shell, so the runner only notes it.
	IgnoredEvent
)

// Event is one timed line of a script.
type Event struct {
	Line   int
	Text   string // the line as written (after comments are removed)
	When   When
	Kind   EventKind
	Packet *Packet
	Call   *Call
	Ignore string // IgnoredEvent: "shell command" or "code block"
}

// Packet is a `<` (inbound: injected) or `>` (outbound: expected) segment.
type Packet struct {
	Inbound bool
	// Protocol is "" for TCP, or the other protocol a line names (icmp,
	// udp): such scripts are unsupported.
	Protocol string
	Flags    tcp.Flags
	FlagText string
	ECN      bool // E or W flags, or an [ect0]-style IP field
	Urgent   bool // the U flag or an urgent pointer
	Seq      uint32
	AnySeq   bool // outbound `...(len)`: any sequence number
	Len      int
	Ack      uint32
	HasAck   bool
	Win      uint32
	HasWin   bool
	// Options: nil with AnyOptions for `<...>`; an empty list when none
	// are written.
	Options    []Option
	AnyOptions bool
}

// OptionKind is a TCP option as packetdrill names it.
type OptionKind uint8

// TCP options.
const (
	OptNOP OptionKind = iota + 1
	OptEOL
	OptMSS
	OptWScale
	OptSACKOK
	OptSACK
	OptTS
	OptFastOpen
	OptMD5
)

// Option is one TCP option of a packet line.
type Option struct {
	Kind     OptionKind
	Value    uint32      // mss, wscale
	Val, Ecr uint32      // TS
	Blocks   [][2]uint32 // sack
}

// String writes the option as a script does.
func (o Option) String() string {
	switch o.Kind {
	case OptNOP:
		return "nop"
	case OptEOL:
		return "eol"
	case OptMSS:
		return fmt.Sprintf("mss %d", o.Value)
	case OptWScale:
		return fmt.Sprintf("wscale %d", o.Value)
	case OptSACKOK:
		return "sackOK"
	case OptSACK:
		s := "sack"
		for _, b := range o.Blocks {
			s += fmt.Sprintf(" %d:%d", b[0], b[1])
		}
		return s
	case OptTS:
		return fmt.Sprintf("TS val %d ecr %d", o.Val, o.Ecr)
	case OptFastOpen:
		return "FO"
	case OptMD5:
		return "md5"
	}
	return "?"
}

// Call is a system call line: `name(args) = result [ERRNO] [(note)]`.
type Call struct {
	Name string
	Args []string // top-level arguments as written
	// Ret is the expected result; Errno the expected errno name when Ret
	// is -1 (empty when none is written).
	Ret   int64
	Errno string
	// Blocking: the call was written with an end time (`+0...0.3 read`),
	// so it runs in the background while the script goes on; End is the
	// end time, in the same frame as the start time.
	Blocking bool
	End      time.Duration
}
