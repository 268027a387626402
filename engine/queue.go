package engine

import "math/bits"

// entry is one pending event. Entries are stored by value in slices that
// keep their storage, so scheduling an event does not allocate once the
// slices have grown to the run's high-water mark.
type entry struct {
	at    Time
	seq   uint64
	fn    Func
	arg   uint64
	timer *Timer // non-nil for timer events; keeps Timer.bucket and Timer.pos up to date
}

func (e *entry) before(o *entry) bool {
	return e.at < o.at || (e.at == o.at && e.seq < o.seq)
}

// digitBits is the width of one digit of the radix queue: each level of
// buckets sorts events by one digit of their time, so an event moves down at
// least one level, digitBits bits, each time it is moved. With four bits (16
// buckets a level, 16 levels) an event is moved once or twice on its way to
// the front; with one bit (a classic radix heap) it was moved seven to eleven
// times, and the queue was no faster than a heap at a thousand events.
const (
	digitBits = 4
	digits    = 1 << digitBits
	levels    = 64 / digitBits
)

// nearMax is the largest bucket that is poured whole into the near heap when
// the front of the queue reaches it; a larger one is split into the level
// below. The near heap then stays small enough (a few levels of a 4-ary heap)
// to live in the first-level cache.
const nearMax = 64

// queue is the scheduler's priority queue of pending events: a radix heap
// (Ahuja, Mehlhorn, Orlin and Tarjan, 1990) on virtual time with digits of
// digitBits bits, which is also an exact hierarchical timing wheel, in front
// of which a small heap, near, orders the events about to run by (time,
// sequence).
//
// A radix heap relies on the queue being monotone: no event is ever
// scheduled before the clock, because the clock never runs backwards and a
// time in the past is treated as now. Near holds every pending event at or
// before nearEnd; the buckets hold the others. An event after nearEnd sits in
// the bucket of (level, digit), where level is the highest digit in which its
// time differs from base (base <= nearEnd) and digit is its time's value
// there. All
// the events of a bucket come before those of a later digit of the same level
// and before all those of a higher level. When near is empty, the lowest
// non-empty bucket becomes the front: base moves to the start of the
// bucket's span of times, and the bucket is either poured whole into near
// (nearEnd moves to the end of its span) if it holds at most nearMax events,
// or split into the level below (nearEnd moves to base). Moving base to the
// start of the span keeps every other bucket's events in their bucket, since
// they differ from the new base in the same digit as from the old one.
//
// An event is moved once or twice on its way from the bucket where it was
// scheduled to near; the moves are appends, not the overlapping copies of a
// heap's sift, and the events far in the future (TIME_WAIT, keep-alive and
// FIN_WAIT_2 timers) sit untouched in the high levels until the clock comes
// near them, so they cost nothing per event. Events of one time always share
// a bucket (the bucket depends only on the time), so they reach near together
// and near runs them in order of sequence.
type queue struct {
	base    Time
	nearEnd Time // every event in near is at or before nearEnd, every other after it
	n       int  // pending events, near and buckets together
	near    nearHeap
	levels  uint32         // bit l set when level l has a non-empty bucket
	digits  [levels]uint32 // bit d of digits[l] set when bucket (l, d) is not empty
	buckets [levels * digits][]entry
}

// insert adds an entry whose sequence number is set and whose time is not
// before the clock.
func (q *queue) insert(e entry) {
	q.n++
	if e.at <= q.nearEnd {
		q.near.push(e)
		return
	}
	q.place(e)
}

// place puts e, which is after nearEnd, in its bucket.
func (q *queue) place(e entry) {
	x := uint64(e.at ^ q.base)
	l := uint(bits.Len64(x)-1) / digitBits
	d := uint(e.at>>(l*digitBits)) % digits
	b := l*digits + d
	bk := q.buckets[b]
	if len(bk) == cap(bk) {
		bk = q.grow(b, bk)
	}
	if e.timer != nil {
		e.timer.bucket, e.timer.pos = uint16(b)+1, int32(len(bk))
	}
	q.buckets[b] = append(bk, e)
	q.levels |= 1 << l
	q.digits[l] |= 1 << d
}

// grow returns the entries of bucket b, which is full, in storage with room
// for more. A large bucket takes the storage of an empty bucket, if one has
// room for twice its entries, and leaves its own in exchange: as the clock
// crosses the span of each level's buckets in turn, one of them receives most
// pending events, and without the exchange each would keep storage for them
// for the rest of the run.
func (q *queue) grow(b uint, bk []entry) []entry {
	if len(bk) >= 2*nearMax {
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
	i := int(t.pos)
	t.pos = -1
	if t.bucket == 0 {
		q.near.remove(i)
		return
	}
	b := uint(t.bucket - 1)
	bk := q.buckets[b]
	last := len(bk) - 1
	if i != last {
		bk[i] = bk[last]
		if mt := bk[i].timer; mt != nil {
			mt.pos = int32(i)
		}
	}
	bk[last] = entry{}
	q.buckets[b] = bk[:last]
	if last == 0 {
		q.emptied(b)
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

// front makes sure near holds the earliest pending event; the queue must
// not be empty.
func (q *queue) front() {
	for len(q.near) == 0 {
		l := uint(bits.TrailingZeros32(q.levels))
		d := uint(bits.TrailingZeros32(q.digits[l]))
		b := l*digits + d
		q.emptied(b)
		shift := l * digitBits
		// The start of the bucket's span: base's digits above l, d at l.
		q.base = Time(uint64(q.base)&^(1<<(shift+digitBits)-1) | uint64(d)<<shift)
		bk := q.buckets[b]
		q.buckets[b] = nil // not storage for grow to take while bk is read
		if len(bk) <= nearMax || l == 0 {
			q.nearEnd = q.base + (1<<shift - 1)
			for i := range bk {
				q.near.push(bk[i])
			}
		} else {
			q.nearEnd = q.base
			for i := range bk {
				if bk[i].at == q.base {
					q.near.push(bk[i])
				} else {
					q.place(bk[i])
				}
			}
		}
		clear(bk) // drop the references held by the vacated slots
		q.buckets[b] = bk[:0]
	}
}

// nextAt returns the time of the earliest pending event; the queue must not
// be empty.
func (q *queue) nextAt() Time {
	q.front()
	return q.near[0].at
}

// pop removes and returns the earliest entry; the queue must not be empty.
func (q *queue) pop() entry {
	q.front()
	q.n--
	e := q.near.pop()
	if e.timer != nil {
		e.timer.pos = -1
	}
	return e
}

// reset empties the queue, disarming its timers and keeping its storage.
func (q *queue) reset() {
	for i := range q.near {
		if t := q.near[i].timer; t != nil {
			t.pos = -1
		}
	}
	clear(q.near)
	q.near = q.near[:0]
	for b, bk := range q.buckets {
		for i := range bk {
			if t := bk[i].timer; t != nil {
				t.pos = -1
			}
		}
		clear(bk)
		q.buckets[b] = bk[:0]
	}
	q.levels, q.digits = 0, [levels]uint32{}
	q.base, q.nearEnd, q.n = 0, 0, 0
}

// capacity returns the number of entries the queue can hold in its
// storage, near and buckets together.
func (q *queue) capacity() int {
	c := cap(q.near)
	for _, bk := range q.buckets {
		c += cap(bk)
	}
	return c
}
