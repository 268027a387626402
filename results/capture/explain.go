package capture

import (
	"fmt"
	"time"

	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// LinuxDelayedACK is Linux's delayed ACK timer at its minimum (TCP_DELACK_MIN,
// 40 ms): a peer whose application closes sooner than this after a FIN
// arrives sends its FIN with the first acknowledgement, a three-way close.
const LinuxDelayedACK = 40 * time.Millisecond

// ms writes a duration as "12.345 ms".
func ms(d time.Duration) string { return results.FormatMs(d) + " ms" }

// Explain returns one line saying why c ended as it did, in terms of the
// segments that decided it.
func Explain(c *Connection) string {
	o := &c.Outcome
	segs := c.Run.Segments
	a, finA, finB := firstFINs(segs)
	b := a.Peer()
	switch o.CloseType {
	case results.NoConnect:
		return explainNoConnect(c)
	case results.ThreeWay:
		d := segs[finB].At.Sub(segs[finA].At)
		why := "no bare ACK of it came first"
		if d < LinuxDelayedACK {
			why = fmt.Sprintf("before its delayed ACK (%s on Linux) fired", ms(LinuxDelayedACK))
		}
		return fmt.Sprintf("three-way: the %s's FIN came %s after the %s's FIN, in its first segment acknowledging it, %s", b, ms(d), a, why)
	case results.FourWay:
		d := segs[finB].At.Sub(segs[finA].At)
		why := ""
		switch {
		case c.FinAck >= LinuxDelayedACK-5*time.Millisecond && c.FinAck <= LinuxDelayedACK+15*time.Millisecond:
			why = fmt.Sprintf(" (its delayed ACK, %s on Linux, fired before its application closed)", ms(LinuxDelayedACK))
		case c.FinAck < 5*time.Millisecond:
			why = " (acknowledged at once: data or quick-ACK mode)"
		}
		return fmt.Sprintf("four-way: the %s acknowledged the %s's FIN after %s with a bare ACK%s and sent its own FIN %s after the %s's FIN",
			b, a, ms(c.FinAck), why, ms(d), a)
	case results.Simultaneous:
		d := segs[finB].At.Sub(segs[finA].At)
		return fmt.Sprintf("simultaneous: the %s sent its FIN %s after the %s's, before that FIN had reached it (its FIN does not acknowledge it): both closed at once",
			b, ms(d), a)
	case results.RST, results.FinRST:
		return explainRST(c, a, finA)
	case results.Timeout:
		for _, s := range []results.Side{results.Client, results.Server} {
			if c.Run.GaveUp[s] {
				n := 0
				var last time.Duration
				for i := range segs {
					if segs[i].From == s && segs[i].Retransmit {
						n++
						last = segs[i].At.Duration()
					}
				}
				return fmt.Sprintf("timeout: the %s retransmitted (%d times in the teardown) without an acknowledgement and fell silent for the last %s of the capture: a timer gave up",
					s, n, ms(c.Run.End.Duration()-last))
			}
		}
		return "timeout: a timer gave up"
	}
	// Incomplete.
	switch {
	case finA < 0:
		return "incomplete: no FIN or RST before the end of the capture (still open)"
	case finB < 0:
		return fmt.Sprintf("incomplete: the %s sent FIN; the %s had not sent its FIN when the capture ended (CLOSE_WAIT, or a half-close)", a, b)
	}
	return "incomplete: both FINs were sent, but not both acknowledged before the capture ended"
}

// explainNoConnect says why a connection never got established.
func explainNoConnect(c *Connection) string {
	segs := c.Run.Segments
	syns := 0
	for i := range segs {
		if segs[i].From == results.Client && segs[i].Flags&(tcp.SYN|tcp.ACK) == tcp.SYN {
			syns++
		}
	}
	switch {
	case c.Outcome.RstFrom != results.NoSide:
		return fmt.Sprintf("no-connect: the %s answered the SYN with RST (nothing listening on %s)", c.Outcome.RstFrom, c.Server)
	case syns > 0:
		return fmt.Sprintf("no-connect: %d SYNs got no answer", syns)
	}
	return "no-connect: the handshake was not seen to complete"
}

// explainRST says which RST ended the connection and what preceded it.
func explainRST(c *Connection, a results.Side, finA int) string {
	segs := c.Run.Segments
	first := -1
	for i := range segs {
		if segs[i].Flags&tcp.RST != 0 {
			first = i
			break
		}
	}
	if first < 0 {
		return c.Outcome.CloseType.String()
	}
	r := segs[first].From
	p := r.Peer()
	if c.Outcome.CloseType == results.FinRST {
		fin := -1
		for i := range segs[:first] {
			if segs[i].From == r && segs[i].Flags&tcp.FIN != 0 {
				fin = i
				break
			}
		}
		data := 0
		for i := fin + 1; i < first; i++ {
			if segs[i].From == p && !segs[i].Retransmit {
				data += segs[i].Len
			}
		}
		d := segs[first].At.Sub(segs[fin].At)
		if data > 0 {
			return fmt.Sprintf("fin-rst: the %s sent FIN, then %d bytes of data came from the %s, and the %s answered with RST %s after its FIN: data after close()",
				r, data, p, r, ms(d))
		}
		return fmt.Sprintf("fin-rst: the %s sent FIN and then RST %s later (data after close() not in the capture, or a linger timeout)", r, ms(d))
	}
	after := ""
	if finA >= 0 && finA < first && a == p {
		after = fmt.Sprintf(" after the %s's FIN", p)
	}
	sent := c.Run.BytesSent[p]
	if c.hasRstGap {
		return fmt.Sprintf("rst: the %s sent RST without a FIN%s, %s after the %s's last segment (it had sent %d bytes): an abortive close (close() with data unread, SO_LINGER 0, or a crash)",
			r, after, ms(c.rstGap), p, sent)
	}
	return fmt.Sprintf("rst: the %s sent RST without a FIN%s: an abortive close (close() with data unread, SO_LINGER 0, or a crash)", r, after)
}
