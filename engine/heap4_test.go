package engine

// heap4 is the previous Scheduler's queue, kept as the baseline of
// BenchmarkHoldHeap: a 4-ary heap of every pending event, ordered by (time,
// sequence), with the bottom-up deletion of Wegener and Floyd. The code is
// the previous engine's, less the timer bookkeeping.
type heap4 []entry

const arity = 4

func (h *heap4) push(e entry) {
	*h = append(*h, e)
	h.up(len(*h) - 1)
}

func (h heap4) up(i int) int {
	e := h[i]
	for i > 0 {
		p := (i - 1) / arity
		if !e.before(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
	return i
}

func earliestChild(h heap4, c, n int) int {
	best := c
	end := min(c+arity, n)
	for j := c + 1; j < end; j++ {
		if h[j].before(&h[best]) {
			best = j
		}
	}
	return best
}

func (h *heap4) pop() entry {
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
		i = best
	}
	s[i] = last
	s.up(i)
	return top
}
