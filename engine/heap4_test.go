package engine

// arity of the heap of current events. A 4-ary heap halves the depth of a
// binary heap and keeps the children of a node in one or two cache lines.
const arity = 4

// nearHeap holds the pending events due at the radix queue's base time (see
// queue), ordered by scheduling sequence. It is a 4-ary heap of entries
// stored by value, so pushing does not allocate once the slice has reached
// the run's high-water mark. Usually it holds one entry or a few; it grows
// only when many events fall on one instant.
//
// The heap compares (time, sequence), not just the sequence, so that it is
// also a correct priority queue for entries of different times: the
// benchmarks use it that way as the baseline of the previous scheduler,
// which was this heap alone.
type nearHeap []entry

// push adds e.
func (h *nearHeap) push(e entry) {
	n := len(*h)
	*h = append(*h, entry{})
	h.up(n, e)
}

// up places e, which belongs at index i or above, moving it towards the root
// until its parent is earlier, and returns its final index.
//
// e comes as a value rather than read back from h[i]: reading an entry just
// written with other widths of store stalls the CPU (the store cannot be
// forwarded to the load), which cost a quarter of the time of a push.
func (h nearHeap) up(i int, e entry) int {
	for i > 0 {
		p := (i - 1) / arity
		if !e.before(&h[p]) {
			break
		}
		h[i] = h[p]
		if t := h[i].timer; t != nil {
			t.pos = int32(i)
		}
		i = p
	}
	h[i] = e
	if e.timer != nil {
		e.timer.where, e.timer.pos = inNear, int32(i)
	}
	return i
}

// earliestChild returns the index of the earliest of the children starting
// at c (at most arity of them, none at or beyond n).
func earliestChild(h nearHeap, c, n int) int {
	best := c
	end := min(c+arity, n)
	for j := c + 1; j < end; j++ {
		if h[j].before(&h[best]) {
			best = j
		}
	}
	return best
}

// down moves the entry at i away from the root until no child is earlier.
func (h nearHeap) down(i int) {
	n := len(h)
	e := h[i]
	for {
		c := i*arity + 1
		if c >= n {
			break
		}
		best := earliestChild(h, c, n)
		if !h[best].before(&e) {
			break
		}
		h[i] = h[best]
		if t := h[i].timer; t != nil {
			t.pos = int32(i)
		}
		i = best
	}
	h[i] = e
	if e.timer != nil {
		e.timer.pos = int32(i)
	}
}

// remove deletes the entry at index i.
func (h *nearHeap) remove(i int) {
	last := len(*h) - 1
	e := (*h)[last]
	(*h)[last] = entry{} // drop the references held by the vacated slot
	*h = (*h)[:last]
	if i != last {
		if j := h.up(i, e); j == i {
			h.down(i)
		}
	}
}

// pop removes and returns the earliest entry. It uses the bottom-up deletion
// of Wegener and Floyd: the hole left at the root moves down to a leaf along
// the earliest children without comparing them with the heap's last entry,
// which is then placed in the hole and moved up.
func (h *nearHeap) pop() entry {
	s := *h
	top := s[0]
	n := len(s) - 1
	last := s[n]
	s[n] = entry{}
	s = s[:n]
	*h = s
	if n == 0 {
		return top
	}
	i := 0
	for {
		c := i*arity + 1
		if c >= n {
			break
		}
		best := earliestChild(s, c, n)
		s[i] = s[best]
		if t := s[i].timer; t != nil {
			t.pos = int32(i)
		}
		i = best
	}
	s.up(i, last)
	return top
}
