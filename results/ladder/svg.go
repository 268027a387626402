package ladder

import (
	"fmt"
	"html"
	"io"
	"sort"
	"strings"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
)

// SVG geometry.
const (
	svgWidth   = 960
	svgClientX = 300
	svgServerX = 660
	svgTop     = 130
	svgGap     = 30  // least vertical distance between two distinct instants
	svgMaxStep = 140 // most vertical distance for one gap; longer gaps are cut
	svgStack   = 22  // distance between segments sent at one instant
	svgEventH  = 14  // distance between events stacked at one instant
	svgLostAt  = 0.8 // a lost segment's stub ends this far across
)

// Colours of the two directions and of losses, kept in the key.
const (
	clientColour = "#1f6fb4"
	serverColour = "#b4361f"
	lostColour   = "#d62728"
)

// halo draws a white outline under text, so that a line crossing a label
// does not make it unreadable.
const halo = `paint-order="stroke" stroke="white" stroke-width="4" stroke-linejoin="round"`

// WriteSVG draws the trace as an SVG ladder like a textbook figure, under a
// title (the scenario, point and run; empty for none) and a colour key: a
// vertical time line per side, one slanted arrow per segment from its
// sending to its arrival (a lost one stops part-way at an ✕), labels along
// the arrows placed so that none overlaps another, state changes and
// socket calls beside the lines. Vertical distance grows with time, but
// long idle gaps (a 60 s TIME_WAIT) are cut short and marked with a break.
func WriteSVG(w io.Writer, t *sim.Trace, title string) error {
	// Dense exchanges (a burst crossing the peer's ACKs, losses) can leave
	// no room for a label; the layout is then redone with more room
	// between segments sent together and between instants.
	var l *layout
	for stack, gap := float64(svgStack), float64(svgGap); ; stack, gap = stack*1.4, gap*1.25 {
		l = newLayout(t, stack, gap)
		if l.overlaps == 0 || stack > 4*svgStack {
			break
		}
	}
	segs := t.Run.Segments
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans Mono, Liberation Mono, monospace" font-size="%d">`+"\n", svgWidth, l.height, svgWidth, l.height, labelFont)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke"/></marker></defs>` + "\n")
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	if title != "" {
		fmt.Fprintf(&b, `<text class="title" x="%d" y="26" text-anchor="middle" font-size="16" font-weight="bold">%s</text>`+"\n", svgWidth/2, html.EscapeString(title))
	}
	writeKey(&b, 52)
	fmt.Fprintf(&b, `<text x="%d" y="100" text-anchor="middle" font-size="16" font-weight="bold">client</text>`+"\n", svgClientX)
	fmt.Fprintf(&b, `<text x="%d" y="100" text-anchor="middle" font-size="16" font-weight="bold">server</text>`+"\n", svgServerX)
	fmt.Fprintf(&b, `<text x="10" y="100">time (ms)</text>`+"\n")
	for _, x := range []int{svgClientX, svgServerX} {
		fmt.Fprintf(&b, `<line class="timeline" x1="%d" y1="%d" x2="%d" y2="%d" stroke="black" stroke-width="2"/>`+"\n", x, svgTop-15, x, l.height-50)
	}
	for _, by := range l.breaks {
		for _, x := range []int{svgClientX, svgServerX} {
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="middle" font-size="16" fill="gray">≈</text>`+"\n", x-12, by+5)
		}
	}
	for _, tm := range l.instants {
		if !l.virtual[tm] {
			fmt.Fprintf(&b, `<text x="10" y="%.1f" fill="gray">%.3f</text>`+"\n", l.y[tm]+4, tm.Milliseconds())
		}
	}
	for i, s := range segs {
		d := l.lines[i]
		colour := clientColour
		if s.From == results.Server {
			colour = serverColour
		}
		if s.Lost() {
			fmt.Fprintf(&b, `<line class="segment lost" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" stroke-dasharray="5 3"/>`+"\n", d.x1, d.y1, d.x2, d.y2, colour)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s" font-size="16" font-weight="bold">✕</text>`+"\n", d.x2, d.y2+6, lostColour)
		} else {
			fmt.Fprintf(&b, `<line class="segment" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" marker-end="url(#arrow)"/>`+"\n", d.x1, d.y1, d.x2, d.y2, colour)
		}
		lb := l.labels[i]
		fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%.1f" text-anchor="middle" transform="rotate(%.2f %.1f %.1f)" fill="%s" data-chars="%d" %s>%s</text>`+"\n",
			lb.cx, lb.cy-labelLift, lb.deg, lb.cx, lb.cy, colour, len([]rune(lb.text)), halo, html.EscapeString(lb.text))
	}
	// Events beside their side's line; several at one instant stack downwards.
	used := map[[2]int64]int{}
	for _, e := range t.Events {
		x, anchor := svgClientX-10, "end"
		if e.Side == results.Server {
			x, anchor = svgServerX+10, "start"
		}
		k := [2]int64{int64(e.Side), int64(e.At)}
		dy := float64(used[k]) * svgEventH
		used[k]++
		weight := "normal"
		if e.Kind == sim.StateChange {
			weight = "bold"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="%s" font-weight="%s">%s</text>`+"\n", x, l.y[e.At]+4+dy, anchor, weight, html.EscapeString(eventText(&e)))
	}
	o := results.Classify(&t.Run)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="14">close type: %s</text>`+"\n", svgWidth/2, l.height-20, html.EscapeString(o.CloseType.String()))
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// drawn is where a segment is drawn: from its sending to its arrival, or
// to the end of its stub when lost.
type drawn struct{ x1, y1, x2, y2 float64 }

// placed is a segment label's text and where it sits.
type placed struct {
	text        string
	cx, cy, deg float64
}

// layout is where everything of a ladder goes.
type layout struct {
	instants []engine.Time           // every instant drawn, in order
	virtual  map[engine.Time]bool    // instants only a lost segment's would-be arrival needs
	y        map[engine.Time]float64 // the row of each instant
	breaks   []float64               // where long gaps were cut
	height   int
	lines    []drawn
	labels   []placed
	overlaps int // labels that could not be placed clear of all others
}

// newLayout lays a trace out with stack pixels between segments sent at
// one instant and gap pixels for the shortest time between two instants.
func newLayout(t *sim.Trace, stack, gap float64) *layout {
	segs := t.Run.Segments
	l := &layout{virtual: map[engine.Time]bool{}, y: map[engine.Time]float64{}}
	// A lost segment's stub points where it would have arrived after
	// the link's delay, parallel to its neighbours that did arrive.
	wouldArrive := func(s *results.Segment) engine.Time {
		if s.Lost() {
			d := engine.Time(0)
			if t.Params != nil {
				d = engine.Time(t.Params.Link.Forward.Delay)
				if s.From == results.Server {
					d = engine.Time(t.Params.Link.Reverse.Delay)
				}
			}
			return s.At + d
		}
		return s.Arrived
	}
	times := map[engine.Time]bool{}
	for i := range segs {
		times[segs[i].At] = true
		a := wouldArrive(&segs[i])
		if !times[a] && segs[i].Lost() {
			l.virtual[a] = true
		}
		times[a] = true
	}
	for _, e := range t.Events {
		times[e.At] = true
		delete(l.virtual, e.At)
	}
	for i := range segs {
		delete(l.virtual, segs[i].At)
		if !segs[i].Lost() {
			delete(l.virtual, segs[i].Arrived)
		}
	}
	for k := range times {
		l.instants = append(l.instants, k)
	}
	sort.Slice(l.instants, func(i, j int) bool { return l.instants[i] < l.instants[j] })
	// The scale: the shortest gap between instants gets gap pixels.
	minGap := engine.Time(0)
	for i := 1; i < len(l.instants); i++ {
		if g := l.instants[i] - l.instants[i-1]; g > 0 && (minGap == 0 || g < minGap) {
			minGap = g
		}
	}
	if minGap == 0 {
		minGap = 1
	}
	// Segments sent at one instant leave one below the other, stack
	// pixels apart, and arrive so too; events at one instant stack too.
	// An instant is as tall as the taller of the two.
	slot := make([]int, len(segs))
	tall := map[engine.Time]float64{}
	seen := map[engine.Time]int{}
	for i := range segs {
		s := &segs[i]
		slot[i] = seen[s.At]
		seen[s.At]++
		tall[s.At] = max(tall[s.At], float64(seen[s.At]-1)*stack)
		a := wouldArrive(s)
		tall[a] = max(tall[a], float64(slot[i])*stack)
	}
	events := map[[2]int64]int{}
	for _, e := range t.Events {
		k := [2]int64{int64(e.Side), int64(e.At)}
		events[k]++
		tall[e.At] = max(tall[e.At], float64(events[k]-1)*svgEventH)
	}
	cur := float64(svgTop)
	for i, tm := range l.instants {
		if i > 0 {
			prev := l.instants[i-1]
			step := float64(tm-prev) / float64(minGap) * gap
			if step > svgMaxStep {
				l.breaks = append(l.breaks, cur+tall[prev]+svgMaxStep/2)
				step = svgMaxStep
			}
			cur += tall[prev] + step
		}
		l.y[tm] = cur
	}
	if len(l.instants) > 0 {
		cur += tall[l.instants[len(l.instants)-1]]
	}
	l.height = int(cur) + 80
	// Labels stay clear of the time lines by a few pixels.
	pl := &placer{left: svgClientX + 4, right: svgServerX - 4}
	for i := range segs {
		s := &segs[i]
		x1, x2 := float64(svgClientX), float64(svgServerX)
		if s.From == results.Server {
			x1, x2 = x2, x1
		}
		off := float64(slot[i]) * stack
		y1, y2 := l.y[s.At]+off, l.y[wouldArrive(s)]+off
		d := drawn{x1, y1, x2, y2}
		if s.Lost() {
			d.x2, d.y2 = x1+(x2-x1)*svgLostAt, y1+(y2-y1)*svgLostAt
		}
		l.lines = append(l.lines, d)
		pl.lines = append(pl.lines, lineBox(d.x1, d.y1, d.x2, d.y2))
	}
	for i := range segs {
		d := l.lines[i]
		text := segmentLabel(&segs[i], t.ISN)
		cx, cy, deg, clear := pl.place(i, d.x1, d.y1, d.x2, d.y2, len([]rune(text)))
		if !clear {
			l.overlaps++
		}
		l.labels = append(l.labels, placed{text, cx, cy, deg})
	}
	return l
}

// writeKey draws the colour key: the two directions, a loss, and the kinds
// of text beside the time lines.
func writeKey(b *strings.Builder, y int) {
	b.WriteString(`<g class="key">` + "\n")
	x := 40
	item := func(draw, text string, w int) {
		b.WriteString(draw)
		fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`+"\n", x+46, y+4, html.EscapeString(text))
		x += 46 + w
	}
	item(fmt.Sprintf(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1.5" marker-end="url(#arrow)"/>`+"\n", x, y, x+38, y, clientColour), "client → server", 130)
	item(fmt.Sprintf(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1.5" marker-end="url(#arrow)"/>`+"\n", x+38, y, x, y, serverColour), "server → client", 130)
	item(fmt.Sprintf(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="gray" stroke-width="1.5" stroke-dasharray="5 3"/><text x="%d" y="%d" text-anchor="middle" fill="%s" font-size="16" font-weight="bold">✕</text>`+"\n", x, y, x+30, y, x+34, y+6, lostColour), "lost", 60)
	fmt.Fprintf(b, `<text x="%d" y="%d" font-weight="bold">STATE</text><text x="%d" y="%d">call() = result</text><text x="%d" y="%d">(rtx) retransmission</text>`+"\n", x, y+4, x+60, y+4, x+200, y+4)
	b.WriteString("</g>\n")
}

func segmentLabel(s *results.Segment, isn [2]uint32) string {
	from, to := isn[s.From], isn[s.From.Peer()]
	l := s.Flags.String() + fmt.Sprintf(" seq=%d", s.Seq-from)
	if s.Flags&0x10 != 0 {
		l += fmt.Sprintf(" ack=%d", s.Ack-to)
	}
	if s.Len > 0 {
		l += fmt.Sprintf(" len=%d", s.Len)
	}
	if s.Retransmit {
		l += " (rtx)"
	}
	return l
}
