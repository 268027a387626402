package engine

import "math/bits"

// entry is one pending event. Entries are stored by value in storage that
// the queue keeps, so scheduling an event does not allocate once the queue
// has grown to the run's high-water mark.
type entry struct {
	at    Time
	seq   uint64
	fn    Func
	arg   uint64
	timer *Timer // non-nil for timer events; keeps Timer.where and Timer.pos up to date
}

func (e *entry) before(o *entry) bool {
	return e.at < o.at || (e.at == o.at && e.seq < o.seq)
}

// The queue is a radix heap on virtual time whose lowest digit is wide: a
// timing wheel of wheelSlots slots of one nanosecond each, above which
// levels of 16 buckets sort events by one further digitBits bits of time.
const (
	wheelBits  = 13
	wheelSlots = 1 << wheelBits
	wheelWords = wheelSlots / 64
	// summaryWords is the size of the summary of the wheel's bitmap.
	summaryWords = wheelWords / 64

	digitBits = 4
	digits    = 1 << digitBits
	levels    = (64-wheelBits+digitBits-1)/digitBits + 1 // level 0 is the wheel; its buckets are unused
)

// nearMax is the largest bucket above the wheel that is poured whole into
// near when the front of the queue reaches it; a larger one is
// split into the levels below.
const nearMax = 8

// Timer.where values for a pending timer outside the buckets.
const (
	inNear  = 0 // Timer.pos indexes near
	inWheel = 1 // Timer.pos is the wheel node
	// 2+b: Timer.pos indexes bucket b
)

// node is an event in the wheel, linked into its slot's list: an entry
// without its time, which is the slot's (40 bytes instead of 48, so that
// more of them share the cache when the wheel is large).
type node struct {
	seq        uint64
	fn         Func
	arg        uint64
	timer      *Timer
	next, prev int32 // indices in queue.nodes; 0 ends the list
}

// queue is the scheduler's priority queue of pending events: a radix heap
// (Ahuja, Mehlhorn, Orlin and Tarjan, 1990) on virtual time, whose lowest
// digit is a timing wheel of one-nanosecond slots, plus a short sorted run,
// near, for the few events that the wheel cannot take.
//
// A radix heap relies on the queue being monotone: no event is ever
// scheduled before the clock, because the clock never runs backwards and a
// time in the past is treated as now. The wheel and the buckets hold events
// placed by the highest digit in which their time differs from base, which
// is never after any of them. An event that differs from base only in the
// lowest wheelBits bits sits in the wheel slot of its time; any other in the
// bucket of (level, digit), where level is the highest differing digit above
// the wheel and digit is its time's value there. All the events of a slot or
// bucket come before those of a later one of the same level and before all
// those of a higher level, and a wheel slot holds the events of a single
// time, linked in order of sequence. So the earliest event heads the first
// non-empty slot, found with two bit scans, and taking it out moves base to
// its time: that is the whole of pop in the common case.
//
// When the wheel is empty, the lowest non-empty bucket becomes the front:
// base moves to the start of its span of times (which keeps every other
// event in its bucket, since it differs from the new base in the same digit
// as from the old one), and the bucket is either split into the levels
// below and the wheel or, if it holds at most nearMax events, poured whole
// into near, so that a lone far-off event is not moved level by level.
// Near also takes the events scheduled before base, which only happens when
// Run stops at a horizon just after a bucket became the front. Every event
// before nearLimit is in near and every other one after it, so near is
// emptied before the wheel is looked at.
//
// Events of one time always share a slot or bucket (the place depends only
// on the time). An event scheduled less than the wheel's span ahead mostly
// goes straight to its slot; one further ahead is moved down a level or two
// first. The moves are appends and list links, not the overlapping copies of
// a heap's sift, and the events far in the future (TIME_WAIT, keep-alive and
// FIN_WAIT_2 timers) sit untouched in the high levels until the clock comes
// near them, so they cost nothing per event.
type queue struct {
	base Time
	// Every pending event before nearLimit is in near, every other one in
	// the wheel or a bucket. It is unsigned so that a span ending at the
	// end of time does not overflow.
	nearLimit uint64
	n         int // pending events
	near      nearQueue

	// The wheel: a list of nodes per slot, in order of sequence, and a
	// bitmap of the non-empty slots with a summary over it. The prev of a
	// slot's head is not kept up to date (see pop and unlink).
	head, tail [wheelSlots]int32
	occupied   [wheelWords]uint64
	summary    [summaryWords]uint64 // bit w%64 of word w/64 set when occupied[w] is not 0
	// nodes[0] is never an event, so that index 0 can end a list; link
	// writes its next field, and its seq stays zero.
	nodes []node
	free  int32 // first free node, linked by next

	levels  uint32         // bit l set when level l has a non-empty bucket
	digits  [levels]uint32 // bit d of digits[l] set when bucket (l, d) is not empty
	buckets [levels * digits][]entry
}

// insert adds an entry whose sequence number is set and whose time is not
// before the clock.
func (q *queue) insert(e entry) {
	q.n++
	if uint64(e.at) < q.nearLimit {
		q.near.push(e)
		return
	}
	// place(e), by hand: one call less for every event scheduled.
	if x := uint64(e.at ^ q.base); x >= wheelSlots {
		q.toBucket(e, x)
		return
	}
	q.link(e)
}

// place puts e, which is not before nearLimit, in its wheel slot or bucket.
func (q *queue) place(e entry) {
	if x := uint64(e.at ^ q.base); x >= wheelSlots {
		q.toBucket(e, x)
		return
	}
	q.link(e)
}

// toBucket appends e to its bucket; x is its time xor base, at least
// wheelSlots.
func (q *queue) toBucket(e entry, x uint64) {
	l := uint(bits.Len64(x)-1-wheelBits)/digitBits + 1
	d := uint(e.at>>((l-1)*digitBits+wheelBits)) % digits
	b := l*digits + d
	bk := q.buckets[b]
	if len(bk) == cap(bk) {
		bk = q.grow(b, bk)
	}
	if e.timer != nil {
		e.timer.where, e.timer.pos = uint16(2+b), int32(len(bk))
	}
	bk = bk[:len(bk)+1]
	p := &bk[len(bk)-1]
	p.at, p.seq, p.fn, p.arg, p.timer = e.at, e.seq, e.fn, e.arg, e.timer // as in link
	q.buckets[b] = bk
	q.levels |= 1 << l
	q.digits[l] |= 1 << d
}

// link adds e to the list of its wheel slot, which is kept in order of
// sequence: e goes at the end unless it is a timer armed with an old ticket.
func (q *queue) link(e entry) {
	i := q.free
	if i != 0 {
		q.free = q.nodes[i].next
	} else {
		if len(q.nodes) == 0 {
			q.nodes = append(q.nodes, node{})
		}
		i = int32(len(q.nodes))
		q.nodes = append(q.nodes, node{})
	}
	s := uint(e.at) % wheelSlots
	t := q.tail[s]
	nd := &q.nodes[i]
	// Field by field: a whole-struct copy would read e back from the
	// stack in wider loads than it was spilled with, and stall.
	nd.seq, nd.fn, nd.arg, nd.timer = e.seq, e.fn, e.arg, e.timer
	nd.next, nd.prev = 0, t
	if e.timer != nil {
		e.timer.where, e.timer.pos = inWheel, i
	}
	if q.nodes[t].seq > e.seq { // never for an empty slot: node 0's seq is 0
		q.linkBefore(s, i)
		return
	}
	// Whether the slot was empty is a coin toss when there are about as
	// many events as nanoseconds, and a branch on it would often be
	// mispredicted, late (s depends on the event's time), so there is
	// none: the link from the tail goes into node 0 (never an event) when
	// there is no tail, the head is rewritten either way, and so is the
	// slot's bit. The summary, read by every pop, is written only when
	// it changes, which is rare, so that pops do not wait on this store.
	q.nodes[t].next = i
	h := q.head[s]
	if t == 0 {
		h = i
	}
	q.head[s] = h
	q.tail[s] = i
	q.occupied[s/64] |= 1 << (s % 64)
	if m := uint64(1) << (s / 64 % 64); q.summary[s/(64*64)]&m == 0 {
		q.summary[s/(64*64)] |= m
	}
}

// linkBefore puts node i, whose sequence number is below that of its slot's
// last event, in its place in the slot's list.
func (q *queue) linkBefore(s uint, i int32) {
	nd := &q.nodes[i]
	seq := nd.seq
	// The first node from the end that comes before i, or 0 if none does.
	// The head's prev is not kept up to date (pop does not touch the next
	// node), so the walk stops at the head.
	h := q.head[s]
	after := q.tail[s]
	p := int32(0)
	for after != h {
		if c := q.nodes[after].prev; q.nodes[c].seq < seq {
			p = c
			break
		}
		after = q.nodes[after].prev
	}
	// i goes between p and after (after is the head when p is 0).
	nd.prev, nd.next = p, after
	q.nodes[after].prev = i
	if p == 0 {
		q.head[s] = i
	} else {
		q.nodes[p].next = i
	}
}

// unlink removes node i from the list of its slot and frees it. The prev of
// a slot's head is stale (see pop), so the head is recognised as such.
func (q *queue) unlink(i int32) {
	nd := &q.nodes[i]
	s := uint(nd.timer.at) % wheelSlots // only timers are unlinked
	if q.head[s] == i {
		q.head[s] = nd.next
		if nd.next == 0 {
			q.tail[s] = 0
			q.clearSlot(s)
		}
	} else {
		q.nodes[nd.prev].next = nd.next
		if nd.next == 0 {
			q.tail[s] = nd.prev
		} else {
			q.nodes[nd.next].prev = nd.prev
		}
	}
	nd.fn, nd.timer = nil, nil
	nd.next, nd.prev = q.free, 0
	q.free = i
}

// clearSlot marks wheel slot s empty.
func (q *queue) clearSlot(s uint) {
	q.occupied[s/64] &^= 1 << (s % 64)
	if q.occupied[s/64] == 0 {
		q.summary[s/(64*64)] &^= 1 << (s / 64 % 64)
	}
}

// grow returns the entries of bucket b, which is full, in storage with room
// for more. A large bucket takes the storage of an empty bucket, if one has
// room for twice its entries, and leaves its own in exchange: as the clock
// crosses the span of each level's buckets in turn, one of them receives most
// pending events, and without the exchange each would keep storage for them
// for the rest of the run.
func (q *queue) grow(b uint, bk []entry) []entry {
	if len(bk) >= 128 {
		for j := range q.buckets {
			o := q.buckets[j]
			if len(o) == 0 && cap(o) >= 2*len(bk) && uint(j) != b {
				o = append(o, bk...)
				clear(bk)
				q.buckets[j] = bk[:0]
				return o
			}
		}
	}
	return append(bk[:len(bk):len(bk)], entry{})[:len(bk)]
}

// remove deletes the pending entry of timer t.
func (q *queue) remove(t *Timer) {
	q.n--
	i := t.pos
	t.pos = -1
	switch t.where {
	case inNear:
		q.near.remove(int(i))
	case inWheel:
		q.unlink(i)
	default:
		b := uint(t.where - 2)
		bk := q.buckets[b]
		last := int32(len(bk) - 1)
		if i != last {
			bk[i] = bk[last]
			if mt := bk[i].timer; mt != nil {
				mt.pos = i
			}
		}
		bk[last] = entry{}
		q.buckets[b] = bk[:last]
		if last == 0 {
			q.emptied(b)
		}
	}
}

// emptied clears the bits of bucket b, which has become empty.
func (q *queue) emptied(b uint) {
	l := b / digits
	q.digits[l] &^= 1 << (b % digits)
	if q.digits[l] == 0 {
		q.levels &^= 1 << l
	}
}

// front makes sure that the earliest pending event is at the head of near
// or of the first non-empty wheel slot, the one or the other; the queue must
// not be empty. When both are empty, it moves the lowest non-empty bucket
// down: base moves to the start of the bucket's span, and the bucket is
// either poured whole into near, if it is small, or split into the levels
// below and the wheel.
func (q *queue) front() {
	for q.wheelEmpty() && q.near.empty() {
		l := uint(bits.TrailingZeros32(q.levels))
		d := uint(bits.TrailingZeros32(q.digits[l]))
		b := l*digits + d
		q.emptied(b)
		shift := (l-1)*digitBits + wheelBits
		// The start of the bucket's span: base's digits above l, d at l.
		q.base = Time(uint64(q.base)&^(1<<(shift+digitBits)-1) | uint64(d)<<shift)
		bk := q.buckets[b]
		q.buckets[b] = nil // not storage for grow to take while bk is read
		// Events scheduled before base (the clock may be behind it when
		// Run stops at a horizon just after this) go to near.
		q.nearLimit = uint64(q.base)
		if len(bk) <= nearMax {
			q.nearLimit += 1 << shift
			for i := range bk {
				q.near.add(bk[i])
			}
			q.near.sortBatch()
		} else {
			for i := range bk {
				q.place(bk[i])
			}
		}
		clear(bk) // drop the references held by the vacated slots
		q.buckets[b] = bk[:0]
	}
}

// wheelEmpty and frontSlot read the two words of the summary by hand.
var (
	_ [summaryWords - 2]struct{}
	_ [2 - summaryWords]struct{}
)

// wheelEmpty reports whether no wheel slot holds an event.
func (q *queue) wheelEmpty() bool { return q.summary[0]|q.summary[1] == 0 }

// frontSlot returns the first non-empty wheel slot; the wheel must not be
// empty.
func (q *queue) frontSlot() uint {
	w := uint(bits.TrailingZeros64(q.summary[0]))
	if w == 64 {
		w += uint(bits.TrailingZeros64(q.summary[1]))
	}
	return w*64 + uint(bits.TrailingZeros64(q.occupied[w]))
}

// nextAt returns the time of the earliest pending event; the queue must not
// be empty.
func (q *queue) nextAt() Time {
	q.front()
	if q.near.empty() {
		return q.base&^(wheelSlots-1) | Time(q.frontSlot())
	}
	return q.near.first().at
}

// pop removes the earliest entry and returns its time, function and
// argument; the queue must not be empty. (Returning the fields rather than
// the entry keeps them in registers: a returned struct goes through the
// stack, and reading it back there stalls.)
//
// Near's events come before all others, so when near is empty and the
// wheel is not, the earliest event heads the wheel's first slot.
func (q *queue) pop() (Time, Func, uint64) {
	if q.wheelEmpty() || !q.near.empty() {
		return q.popNear()
	}
	s := q.frontSlot()
	i := q.head[s]
	nd := &q.nodes[i]
	// The next node becomes the head; its prev is left stale rather than
	// touched now (see unlink). As in link, there is no branch on whether
	// the slot is now empty, except for the rare change of the summary.
	next := nd.next
	q.head[s] = next
	tl, m := q.tail[s], uint64(1)<<(s%64)
	if next == 0 {
		tl = 0
	}
	if next != 0 {
		m = 0
	}
	q.tail[s] = tl
	occ := q.occupied[s/64] &^ m
	q.occupied[s/64] = occ
	if occ == 0 {
		q.summary[s/(64*64)] &^= 1 << (s / 64 % 64)
	}
	q.base = q.base&^(wheelSlots-1) | Time(s)
	q.n--
	at := q.base // the slot's time
	fn, arg, t := nd.fn, nd.arg, nd.timer
	nd.fn, nd.timer = nil, nil // drop the references the free node would hold
	nd.next = q.free
	q.free = i
	if t != nil {
		t.pos = -1
	}
	return at, fn, arg
}

// popNear is pop when near is in use or the wheel is empty: the earliest
// event is in near, or in a bucket that front moves down.
func (q *queue) popNear() (Time, Func, uint64) {
	q.front()
	if q.near.empty() {
		return q.pop()
	}
	q.n--
	at, fn, arg, t := q.near.pop()
	if t != nil {
		t.pos = -1
	}
	return at, fn, arg
}

// reset empties the queue, disarming its timers and keeping its storage.
// It visits only the non-empty slots and buckets (free nodes and emptied
// buckets are already cleared), so that a worker running many short runs
// does not pay for the wheel's size at each one.
func (q *queue) reset() {
	q.near.reset()
	for ws := range q.summary {
		for m := q.summary[ws]; m != 0; m &= m - 1 {
			w := uint(ws*64 + bits.TrailingZeros64(m))
			for m := q.occupied[w]; m != 0; m &= m - 1 {
				s := w*64 + uint(bits.TrailingZeros64(m))
				for i := q.head[s]; i != 0; {
					nd := &q.nodes[i]
					if t := nd.timer; t != nil {
						t.pos = -1
					}
					i = nd.next
					*nd = node{}
				}
				q.head[s], q.tail[s] = 0, 0
			}
			q.occupied[w] = 0
		}
	}
	q.summary = [summaryWords]uint64{}
	q.nodes, q.free = q.nodes[:0], 0
	for ls := q.levels; ls != 0; ls &= ls - 1 {
		l := uint(bits.TrailingZeros32(ls))
		for m := q.digits[l]; m != 0; m &= m - 1 {
			b := l*digits + uint(bits.TrailingZeros32(m))
			bk := q.buckets[b]
			for i := range bk {
				if t := bk[i].timer; t != nil {
					t.pos = -1
				}
			}
			clear(bk)
			q.buckets[b] = bk[:0]
		}
		q.digits[l] = 0
	}
	q.levels = 0
	q.base, q.nearLimit, q.n = 0, 0, 0
}

// capacity returns the number of entries the queue can hold in its
// storage, near, wheel and buckets together.
func (q *queue) capacity() int {
	c := cap(q.near.e) + cap(q.nodes)
	for _, bk := range q.buckets {
		c += cap(bk)
	}
	return c
}
