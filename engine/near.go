package engine

import "slices"

// nearQueue holds the events before queue.nearLimit, sorted by (time,
// sequence) and taken out from the head: a small bucket poured whole when it
// became the front of the queue, and the events scheduled before base.
//
// A batch poured from a bucket is usually sorted already (a bucket is
// appended to in order of scheduling), so taking the events out is a matter
// of moving an index. An event scheduled while events are waiting goes at
// the end if it is the latest, as it usually is; only an event with an old
// ticket (Timer.SetTicket), one before base, or a timer stopped in near
// moves others.
type nearQueue struct {
	e    []entry
	head int
}

// empty reports whether no event is waiting.
func (n *nearQueue) empty() bool { return n.head == len(n.e) }

// first returns the earliest event; n must not be empty.
func (n *nearQueue) first() *entry { return &n.e[n.head] }

// add appends e without keeping the order; sortBatch restores it.
func (n *nearQueue) add(e entry) {
	n.e = append(n.e, e)
}

// sortBatch sorts the events added since n was last empty and records the
// timers' positions.
func (n *nearQueue) sortBatch() {
	b := n.e[n.head:]
	for i := 1; i < len(b); i++ {
		if b[i].before(&b[i-1]) {
			slices.SortFunc(b, func(x, y entry) int {
				if x.before(&y) {
					return -1
				}
				return 1
			})
			break
		}
	}
	for i := n.head; i < len(n.e); i++ {
		if t := n.e[i].timer; t != nil {
			t.where, t.pos = inNear, int32(i)
		}
	}
}

// push inserts e in order.
func (n *nearQueue) push(e entry) {
	l := len(n.e)
	if n.head == l || n.e[l-1].before(&e) {
		if e.timer != nil {
			e.timer.where, e.timer.pos = inNear, int32(l)
		}
		n.e = append(n.e, e)
		return
	}
	// Binary search for the first waiting event after e.
	lo, hi := n.head, l
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if n.e[m].before(&e) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	// Shift the later events up one by one, renumbering their timers on
	// the way: near is short, and a memmove followed by a store of e
	// stalls on reading back what it just wrote.
	n.e = append(n.e, entry{})
	for i := l; i > lo; i-- {
		n.e[i] = n.e[i-1]
		if t := n.e[i].timer; t != nil {
			t.pos = int32(i)
		}
	}
	n.e[lo].at, n.e[lo].seq, n.e[lo].fn, n.e[lo].arg, n.e[lo].timer = e.at, e.seq, e.fn, e.arg, e.timer
	if e.timer != nil {
		e.timer.where, e.timer.pos = inNear, int32(lo)
	}
}

// renumber records the positions of the timers from index i on.
func (n *nearQueue) renumber(i int) {
	for ; i < len(n.e); i++ {
		if t := n.e[i].timer; t != nil {
			t.where, t.pos = inNear, int32(i)
		}
	}
}

// pop removes the earliest event and returns its fields; n must not be
// empty. (Fields, not the entry: a returned struct goes through the stack,
// and reading it back there stalls.)
func (n *nearQueue) pop() (at Time, fn Func, arg uint64, t *Timer) {
	e := &n.e[n.head]
	at, fn, arg, t = e.at, e.fn, e.arg, e.timer
	*e = entry{} // drop the references held by the vacated slot
	n.head++
	if n.head == len(n.e) {
		n.e, n.head = n.e[:0], 0
	} else if n.head >= 1024 && 2*n.head >= len(n.e) {
		// Near may never run empty (a long run of many connections
		// keeps adding at its end as it takes from its head): move the
		// waiting events down, so that what it holds stays what waits,
		// not every event it ever held. Half the slice is free each
		// time, so the moves cost O(1) an event.
		k := copy(n.e, n.e[n.head:])
		clear(n.e[k:])
		n.e, n.head = n.e[:k], 0
		n.renumber(0)
	}
	return at, fn, arg, t
}

// remove deletes the event at index i.
func (n *nearQueue) remove(i int) {
	l := len(n.e) - 1
	copy(n.e[i:], n.e[i+1:])
	n.e[l] = entry{}
	n.e = n.e[:l]
	if n.head == len(n.e) {
		n.e, n.head = n.e[:0], 0
		return
	}
	n.renumber(i)
}

// reset empties n, disarming its timers and keeping its storage.
func (n *nearQueue) reset() {
	for i := n.head; i < len(n.e); i++ {
		if t := n.e[i].timer; t != nil {
			t.pos = -1
		}
	}
	clear(n.e)
	n.e, n.head = n.e[:0], 0
}
