package scripted

import (
	"fmt"
	"strings"
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/tcp"
)

// Want is an expected segment: when it should leave (At, give or take Tol)
// and its fields. Win is compared only when WinSet is true.
type Want struct {
	At     engine.Time
	Tol    time.Duration
	Flags  tcp.Flags
	Seq    uint32
	Ack    uint32 // compared when Flags has ACK
	Len    int
	Win    uint32
	WinSet bool
}

// String writes the expectation in packetdrill's syntax with its time.
func (w Want) String() string {
	s := Seg{Flags: w.Flags, Seq: w.Seq, Ack: w.Ack, Len: w.Len}
	str := fmt.Sprintf("%s %s %d:%d(%d)", fmtTime(w.At), FlagString(w.Flags), s.Seq, s.End(), s.Len)
	if w.Flags&tcp.ACK != 0 {
		str += fmt.Sprintf(" ack %d", w.Ack)
	}
	if w.WinSet {
		str += fmt.Sprintf(" win %d", w.Win)
	}
	return str
}

func fmtTime(t engine.Time) string { return fmt.Sprintf("%.6f", float64(t)/1e9) }

// Diff compares got with w field by field and names every field that
// differs; it returns "" when they match.
func (w Want) Diff(got Sent) string {
	var d []string
	if got.Seg.Flags != w.Flags {
		d = append(d, fmt.Sprintf("flags %s, want %s", FlagString(got.Seg.Flags), FlagString(w.Flags)))
	}
	if got.Seg.Seq != w.Seq {
		d = append(d, fmt.Sprintf("seq %d, want %d", got.Seg.Seq, w.Seq))
	}
	if w.Flags&tcp.ACK != 0 && got.Seg.Flags&tcp.ACK != 0 && got.Seg.Ack != w.Ack {
		d = append(d, fmt.Sprintf("ack %d, want %d", got.Seg.Ack, w.Ack))
	}
	if got.Seg.Len != w.Len {
		d = append(d, fmt.Sprintf("len %d, want %d", got.Seg.Len, w.Len))
	}
	if w.WinSet && got.Seg.Win != w.Win {
		d = append(d, fmt.Sprintf("win %d, want %d", got.Seg.Win, w.Win))
	}
	if off := got.At.Sub(w.At); off > w.Tol || off < -w.Tol {
		d = append(d, fmt.Sprintf("at %s s, want %s s ± %v", fmtTime(got.At), fmtTime(w.At), w.Tol))
	}
	return strings.Join(d, "; ")
}

// Compare checks the segments sent against the expected ones in order and
// returns one line per difference: a segment that differs, one expected and
// never sent, one sent and not expected. No lines means they match.
func Compare(got []Sent, want []Want) []string {
	var out []string
	for i := 0; i < max(len(got), len(want)); i++ {
		switch {
		case i >= len(got):
			out = append(out, fmt.Sprintf("segment %d: expected %s, emu sent nothing more", i+1, want[i]))
		case i >= len(want):
			out = append(out, fmt.Sprintf("segment %d: unexpected %s %s", i+1, fmtTime(got[i].At), got[i].Seg))
		default:
			if d := want[i].Diff(got[i]); d != "" {
				out = append(out, fmt.Sprintf("segment %d: %s (emu sent %s %s)", i+1, d, fmtTime(got[i].At), got[i].Seg))
			}
		}
	}
	return out
}
