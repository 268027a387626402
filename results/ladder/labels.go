package ladder

import "math"

// Label geometry for the SVG ladder. Labels are monospace, so their size is
// known without a font: the width of a character is 0.6 em in DejaVu Sans
// Mono, Liberation Mono and Courier alike.
const (
	labelFont   = 12  // font size of segment labels, px
	labelCharW  = 7.2 // 0.6 em
	labelAscent = 10  // cap height, with a pixel of room
	labelDrop   = 3   // descent below the baseline
	labelLift   = 5   // gap between a segment and the baseline of its label
)

// box is a label's outline: a rectangle rotated with the segment it names,
// as four corners.
type box [4][2]float64

// labelBox is the outline of a label of n characters centred at (cx, cy) on
// a segment of angle a (radians), drawn above it.
func labelBox(cx, cy, a float64, n int) box {
	w := float64(n) * labelCharW
	ux, uy := math.Cos(a), math.Sin(a) // along the segment
	nx, ny := uy, -ux                  // up, away from the segment
	var b box
	for i, c := range [4][2]float64{{-w / 2, labelLift - labelDrop}, {w / 2, labelLift - labelDrop}, {w / 2, labelLift + labelAscent}, {-w / 2, labelLift + labelAscent}} {
		b[i] = [2]float64{cx + ux*c[0] + nx*c[1], cy + uy*c[0] + ny*c[1]}
	}
	return b
}

// overlaps reports whether two convex outlines intersect (the separating
// axis theorem: they do unless some edge's normal separates them).
func (b box) overlaps(o box) bool {
	for _, p := range [2]box{b, o} {
		for i := range 4 {
			j := (i + 1) % 4
			ax, ay := p[j][1]-p[i][1], p[i][0]-p[j][0]
			minA, maxA := project(b, ax, ay)
			minB, maxB := project(o, ax, ay)
			if maxA <= minB || maxB <= minA {
				return false
			}
		}
	}
	return true
}

func project(b box, ax, ay float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, c := range b {
		v := c[0]*ax + c[1]*ay
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}

// within reports whether the outline lies between x = left and x = right.
func (b box) within(left, right float64) bool {
	for _, c := range b {
		if c[0] < left || c[0] > right {
			return false
		}
	}
	return true
}

// placeFractions are where along its segment a label may sit, tried in
// order: the middle first, then towards either end, so that labels of
// crossing segments, whose middles meet, part.
var placeFractions = []float64{0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.12, 0.88}

// lineBox is the outline of a drawn segment, 2 px wide.
func lineBox(x1, y1, x2, y2 float64) box {
	l := math.Hypot(x2-x1, y2-y1)
	if l == 0 {
		l = 1
	}
	nx, ny := -(y2-y1)/l, (x2-x1)/l
	return box{{x1 + nx, y1 + ny}, {x2 + nx, y2 + ny}, {x2 - nx, y2 - ny}, {x1 - nx, y1 - ny}}
}

// placer puts labels along segments without overlap.
type placer struct {
	placed      []box
	lines       []box   // every segment drawn, labels avoid crossing them where they can
	left, right float64 // labels stay between the time lines
}

// labelWeight is how much worse overlapping a label is than crossing a
// line (which the label's white halo keeps readable).
const labelWeight = 100

// place returns the point along segment own, (x1,y1)-(x2,y2), to centre a
// label of n characters on and the label's angle in degrees: of the
// positions between the time lines, the first that overlaps the fewest
// earlier labels and then crosses the fewest other segments. clear says
// whether it overlaps no earlier label.
func (p *placer) place(own int, x1, y1, x2, y2 float64, n int) (cx, cy, deg float64, clear bool) {
	// Text reads left to right whatever the segment's direction.
	if x2 < x1 {
		x1, y1, x2, y2 = x2, y2, x1, y1
	}
	a := math.Atan2(y2-y1, x2-x1)
	best, bestN := box{}, math.MaxInt
	for _, f := range placeFractions {
		x, y := x1+(x2-x1)*f, y1+(y2-y1)*f
		b := labelBox(x, y, a, n)
		if !b.within(p.left, p.right) {
			continue
		}
		k := 0
		for _, o := range p.placed {
			if b.overlaps(o) {
				k += labelWeight
			}
		}
		for i, l := range p.lines {
			if i != own && b.overlaps(l) {
				k++
			}
		}
		if k < bestN {
			best, bestN, cx, cy = b, k, x, y
		}
		if k == 0 {
			break
		}
	}
	if bestN == math.MaxInt {
		// Too long for any position between the lines: the middle.
		cx, cy = (x1+x2)/2, (y1+y2)/2
		best = labelBox(cx, cy, a, n)
	}
	p.placed = append(p.placed, best)
	return cx, cy, a * 180 / math.Pi, bestN < labelWeight
}
