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
	svgTop     = 70
	svgGap     = 26  // least vertical distance between two distinct instants
	svgMaxStep = 140 // most vertical distance for one gap; longer gaps are cut
	svgStack   = 22  // distance between segments sent at one instant
)

// WriteSVG draws the trace as an SVG ladder like a textbook figure: a vertical
// time line per side, one slanted arrow per segment from its sending to its
// arrival (a lost one stops half-way at an X), state changes and socket
// calls beside the lines. Vertical distance grows with time, but long idle
// gaps (a 60 s TIME_WAIT) are cut short and marked with a break.
func WriteSVG(w io.Writer, t *sim.Trace) error {
	times := map[engine.Time]bool{}
	for _, s := range t.Run.Segments {
		times[s.At] = true
		if !s.Lost() {
			times[s.Arrived] = true
		}
	}
	for _, e := range t.Events {
		times[e.At] = true
	}
	sorted := make([]engine.Time, 0, len(times))
	for k := range times {
		sorted = append(sorted, k)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	// The scale: the shortest gap between instants gets svgGap pixels.
	minGap := engine.Time(0)
	for i := 1; i < len(sorted); i++ {
		if g := sorted[i] - sorted[i-1]; g > 0 && (minGap == 0 || g < minGap) {
			minGap = g
		}
	}
	if minGap == 0 {
		minGap = 1
	}
	// Segments sent at one instant leave one below the other, svgStack
	// pixels apart, and arrive so too; an instant with k of them gets k-1
	// extra rows.
	slot := make([]int, len(t.Run.Segments))
	rows := map[engine.Time]int{}
	seen := map[engine.Time]int{}
	for i, s := range t.Run.Segments {
		slot[i] = seen[s.At]
		seen[s.At]++
		rows[s.At] = max(rows[s.At], seen[s.At])
		if !s.Lost() {
			rows[s.Arrived] = max(rows[s.Arrived], slot[i]+1)
		}
	}
	y := map[engine.Time]float64{}
	var breaks []float64
	cur := float64(svgTop)
	for i, tm := range sorted {
		if i > 0 {
			cur += float64(max(rows[sorted[i-1]]-1, 0)) * svgStack
			step := float64(tm-sorted[i-1]) / float64(minGap) * svgGap
			if step > svgMaxStep {
				breaks = append(breaks, cur+svgMaxStep/2)
				step = svgMaxStep
			}
			cur += step
		}
		y[tm] = cur
	}
	if len(sorted) > 0 {
		cur += float64(max(rows[sorted[len(sorted)-1]]-1, 0)) * svgStack
	}
	height := int(cur) + 80

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="monospace" font-size="12">`+"\n", svgWidth, height, svgWidth, height)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>` + "\n")
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="30" text-anchor="middle" font-size="16" font-weight="bold">client</text>`+"\n", svgClientX)
	fmt.Fprintf(&b, `<text x="%d" y="30" text-anchor="middle" font-size="16" font-weight="bold">server</text>`+"\n", svgServerX)
	fmt.Fprintf(&b, `<text x="10" y="30" font-size="12">time (ms)</text>`+"\n")
	for _, x := range []int{svgClientX, svgServerX} {
		fmt.Fprintf(&b, `<line class="timeline" x1="%d" y1="%d" x2="%d" y2="%d" stroke="black" stroke-width="2"/>`+"\n", x, svgTop-15, x, height-50)
	}
	for _, by := range breaks {
		for _, x := range []int{svgClientX, svgServerX} {
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="middle" font-size="16" fill="gray">≈</text>`+"\n", x-12, by+5)
		}
	}
	for _, tm := range sorted {
		fmt.Fprintf(&b, `<text x="10" y="%.1f" fill="gray">%.3f</text>`+"\n", y[tm]+4, tm.Milliseconds())
	}
	isn := t.ISN
	for i, s := range t.Run.Segments {
		off := float64(slot[i]) * svgStack
		x1, x2 := float64(svgClientX), float64(svgServerX)
		colour := "#1f6fb4"
		if s.From == results.Server {
			x1, x2 = x2, x1
			colour = "#b4361f"
		}
		y1 := y[s.At] + off
		label := segmentLabel(&s, isn)
		if s.Lost() {
			xm, ym := (x1+x2)/2, y1+svgGap
			fmt.Fprintf(&b, `<line class="segment lost" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="4 3"/>`+"\n", x1, y1, xm, ym, colour)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="red" font-size="16">✕</text>`+"\n", xm, ym+5)
			label += " (lost)"
			anchor, lx := "start", xm+12
			if s.From == results.Server {
				anchor, lx = "end", xm-12
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="%s" fill="%s">%s</text>`+"\n", lx, ym+4, anchor, colour, html.EscapeString(label))
			continue
		}
		y2 := y[s.Arrived] + off
		fmt.Fprintf(&b, `<line class="segment" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" marker-end="url(#arrow)"/>`+"\n", x1, y1, x2, y2, colour)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s">%s</text>`+"\n", (x1+x2)/2, (y1+y2)/2-6, colour, html.EscapeString(label))
	}
	// Events beside their side's line; several at one instant stack downwards.
	used := map[[2]int]int{}
	for _, e := range t.Events {
		x, anchor := svgClientX-10, "end"
		if e.Side == results.Server {
			x, anchor = svgServerX+10, "start"
		}
		k := [2]int{int(e.Side), int(y[e.At])}
		dy := float64(used[k]) * 13
		used[k]++
		weight := "normal"
		if e.Kind == sim.StateChange {
			weight = "bold"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="%s" font-weight="%s">%s</text>`+"\n", x, y[e.At]+4+dy, anchor, weight, html.EscapeString(eventText(&e)))
	}
	o := results.Classify(&t.Run)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="14">close type: %s</text>`+"\n", svgWidth/2, height-20, html.EscapeString(o.CloseType.String()))
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
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
