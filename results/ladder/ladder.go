// Package ladder draws a run as a ladder diagram, the way TCP textbooks draw
// connections: a time column, the client on the left, the server on the
// right, one line per segment with an arrow in its direction, and each side's
// state changes and application calls in its own column.
package ladder

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
)

// Options control the drawing.
type Options struct {
	Colour bool // ANSI colours (for terminals only)
}

const (
	timeWidth = 11
	sideWidth = 22
	wireWidth = 44
)

// ANSI colours: client segments, server segments, losses.
const (
	colClient = "\x1b[36m"
	colServer = "\x1b[35m"
	colLost   = "\x1b[31m"
	colReset  = "\x1b[0m"
)

// Write draws the trace t. Sequence and acknowledgement numbers are relative
// to each side's initial sequence number, as Wireshark shows them.
func Write(w io.Writer, t *sim.Trace, opt Options) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%*s  %-*s %-*s %s\n", timeWidth-2, "time (ms)", sideWidth, "client", wireWidth, "", "server")
	isn := t.ISN
	for _, o := range t.Order {
		if o < 0 {
			ev := &t.Events[-1-o]
			text := eventText(ev)
			if ev.Side == results.Client {
				fmt.Fprintf(&b, "%*s  %-*s|%*s|\n", timeWidth-2, ms(ev.At), sideWidth, clip(text, sideWidth), wireWidth, "")
			} else {
				fmt.Fprintf(&b, "%*s  %*s|%*s| %s\n", timeWidth-2, ms(ev.At), sideWidth, "", wireWidth, "", text)
			}
			continue
		}
		s := &t.Run.Segments[o]
		label := segmentLabel(s, isn)
		arrow := drawArrow(label, s.From == results.Client, s.Lost())
		if opt.Colour {
			c := colClient
			if s.From == results.Server {
				c = colServer
			}
			if s.Lost() {
				c = colLost
			}
			arrow = c + arrow + colReset
		}
		note := ""
		if !s.Lost() {
			note = " arrives " + ms(s.Arrived)
		} else {
			note = " (lost)"
		}
		fmt.Fprintf(&b, "%*s  %*s|%s|%s\n", timeWidth-2, ms(s.At), sideWidth, "", arrow, note)
	}
	o := results.Classify(&t.Run)
	fmt.Fprintf(&b, "\nclose type: %s (first closer: %s", o.CloseType, o.FirstCloser)
	if o.TimeWaitSide != results.NoSide {
		fmt.Fprintf(&b, "; TIME_WAIT: %s, %s ms", o.TimeWaitSide, results.FormatMs(o.TimeWait))
	}
	if o.RstFrom != results.NoSide {
		fmt.Fprintf(&b, "; RST from %s", o.RstFrom)
	}
	if o.Retransmits > 0 {
		noun := "retransmissions"
		if o.Retransmits == 1 {
			noun = "retransmission"
		}
		fmt.Fprintf(&b, "; %d %s", o.Retransmits, noun)
	}
	b.WriteString(")\n")
	for i := range t.Events {
		if t.Events[i].Proc > 1 {
			b.WriteString("[N]: a call made by the side's process N (forked children and a forking server's processes, numbered from 2)\n")
			break
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func eventText(ev *sim.Event) string {
	switch ev.Kind {
	case sim.AppCall:
		who := ""
		if ev.Proc > 1 {
			who = "[" + strconv.Itoa(ev.Proc) + "] "
		}
		switch {
		case ev.Signal:
			return who + ev.Call + ": " + ev.Result
		case ev.Result == "":
			return who + ev.Call + "()"
		}
		return who + ev.Call + "() = " + ev.Result
	case sim.GaveUp:
		return "gave up: " + ev.Text
	}
	return ev.Text
}

// drawArrow draws a wireWidth-wide arrow with the label inside it.
func drawArrow(label string, right, lost bool) string {
	n := wireWidth
	label = " " + label + " "
	if len(label) > n-6 {
		label = label[:n-6]
	}
	body := n - len(label)
	lead := 2
	rest := body - lead
	var s string
	if right {
		s = strings.Repeat("-", lead) + label + strings.Repeat("-", rest-1) + ">"
	} else {
		s = "<" + strings.Repeat("-", lead-1) + label + strings.Repeat("-", rest)
	}
	if lost {
		// Cut the arrow short: the segment never arrived.
		r := []byte(s)
		if right {
			r[n-1], r[n-2], r[n-3] = ' ', ' ', 'X'
		} else {
			r[0], r[1], r[2] = ' ', ' ', 'X'
		}
		s = string(r)
	}
	return s
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func ms(t interface{ Milliseconds() float64 }) string {
	return fmt.Sprintf("%.3f", t.Milliseconds())
}
