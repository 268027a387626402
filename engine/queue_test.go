package engine

import (
	"math/bits"
	"strconv"
	"testing"
)

// TestQueueOrderAcrossScales checks the queue against a brute-force model:
// every event that runs must be the pending one with the smallest (time,
// sequence), for delays that keep events in the wheel, move them down from
// the levels above it, or park them near the end of time, with timers re-armed,
// stopped and armed with old tickets, and with Run stopping at horizons.
func TestQueueOrderAcrossScales(t *testing.T) {
	cases := []struct {
		name     string
		maxDelay int64 // delays are drawn up to this, in ns
		bigShare int   // in 10ths: share of delays drawn up to 1<<40 instead
	}{
		{"same-instant", 1, 0},
		{"wheel", wheelSlots * 3 / 4, 0},
		{"wheel-edges", wheelSlots * 5 / 4, 0},
		{"few-per-slot", 64, 0}, // several events a slot: old tickets walk the slot's list
		{"levels", 1 << 20, 0},
		{"far-timers", wheelSlots, 3},
		{"all-scales", 1 << 30, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewScheduler()
			rng := NewStream(7, "test.queue."+c.name)
			type want struct {
				at  Time
				seq uint64
			}
			pending := map[uint64]want{}
			fn := func(now Time, id uint64) {
				w, ok := pending[id]
				if !ok {
					t.Fatalf("event %d ran but was not pending", id)
				}
				if w.at != now {
					t.Fatalf("event %d ran at %d, want %d", id, now, w.at)
				}
				for oid, o := range pending {
					if o.at < w.at || (o.at == w.at && o.seq < w.seq) {
						t.Fatalf("event %d (%v) ran before %d (%v)", id, w, oid, o)
					}
				}
				delete(pending, id)
			}
			delay := func() Time {
				if rng.IntN(10) < c.bigShare {
					return Time(rng.Int64N(1 << 40))
				}
				return Time(rng.Int64N(c.maxDelay))
			}
			timers := make([]Timer, 40)
			for i := range timers {
				timers[i].Init(s, fn, uint64(i))
			}
			var tickets []uint64
			next := uint64(len(timers))
			seqOf := func() uint64 { return s.seq } // the ticket the next arming takes
			for range 20_000 {
				switch k := rng.IntN(20); {
				case k < 6:
					at := s.Now() + delay()
					pending[next] = want{at, seqOf()}
					s.At(at, fn, next)
					next++
				case k < 10:
					i := rng.IntN(len(timers))
					at := s.Now() + delay()
					pending[uint64(i)] = want{at, seqOf()}
					timers[i].Set(at)
				case k < 11:
					tickets = append(tickets, s.Ticket())
				case k < 12 && len(tickets) > 0:
					// Arm with an old ticket: orders as if scheduled then.
					j := rng.IntN(len(tickets))
					i := rng.IntN(len(timers))
					at := s.Now() + Time(rng.IntN(3))
					pending[uint64(i)] = want{at, tickets[j]}
					timers[i].SetTicket(at, tickets[j])
				case k < 13:
					i := rng.IntN(len(timers))
					_, was := pending[uint64(i)]
					if timers[i].Stop() != was {
						t.Fatalf("Stop of timer %d reported %v", i, !was)
					}
					delete(pending, uint64(i))
				case k < 14:
					h := s.Now() + delay()
					s.Run(Limits{Horizon: h, Events: uint64(rng.IntN(5))})
				default:
					s.Step()
				}
				checkQueue(t, &s.q, s.Now())
				if s.Pending() != len(pending) {
					t.Fatalf("scheduler has %d pending, model %d", s.Pending(), len(pending))
				}
			}
			s.Run(Limits{})
			if len(pending) != 0 {
				t.Fatalf("%d events never ran", len(pending))
			}
		})
	}
}

// TestQueueStorageIsBounded runs the hold model long enough for the clock to
// cross the spans of several levels of buckets, each of which in turn
// receives most pending events; the queue must reuse storage rather than keep
// a copy of the queue per level.
func TestQueueStorageIsBounded(t *testing.T) {
	for _, q := range []int{1000, 20_000} {
		t.Run("q="+strconv.Itoa(q), func(t *testing.T) {
			h := newSchedHold(q).(*schedHold)
			s := h.s
			h.run(200 * q)
			// Pending events, near's batch and the buckets' growth slack:
			// well under one copy of the queue per level (13 levels).
			if c := s.q.capacity(); c > 8*q+wheelSlots {
				t.Fatalf("queue holds storage for %d events with %d pending", c, q)
			}
		})
	}
}

// TestResetAcrossScales fills the wheel, the buckets and near, with timers
// in each, resets, and checks that nothing of before runs afterwards and
// that the queue orders new events correctly.
func TestResetAcrossScales(t *testing.T) {
	s := NewScheduler()
	var ran []uint64
	fn := func(_ Time, id uint64) { ran = append(ran, id) }
	timers := make([]Timer, 6)
	for i := range timers {
		timers[i].Init(s, fn, uint64(100+i))
	}
	for i, at := range []Time{5, 3000, 5000, 1 << 20, 1 << 40, 0} {
		s.At(at, fn, uint64(i))
		timers[i].Set(at + 1)
	}
	s.At(0, fn, 99) // with the event at 0 above: near holds both once Step has looked
	s.Step()
	if s.Pending() != 12 {
		t.Fatalf("pending %d before Reset, want 12", s.Pending())
	}
	s.Reset()
	if s.Pending() != 0 {
		t.Fatalf("pending %d after Reset", s.Pending())
	}
	for i := range timers {
		if timers[i].Pending() {
			t.Fatalf("timer %d pending after Reset", i)
		}
	}
	ran = nil
	s.At(1<<30, fn, 1)
	timers[2].Set(7000)
	s.At(7000, fn, 2)
	s.At(2, fn, 3)
	if r := s.Run(Limits{}); r.Reason != Drained || r.Now != 1<<30 {
		t.Fatalf("Run after Reset: %+v", r)
	}
	want := []uint64{3, 102, 2, 1}
	if len(ran) != len(want) {
		t.Fatalf("ran %v, want %v", ran, want)
	}
	for i := range want {
		if ran[i] != want[i] {
			t.Fatalf("ran %v, want %v", ran, want)
		}
	}
}

// checkQueue verifies the queue's invariants (see the queue type): near's
// events come before nearLimit and every other event at or after it; a
// wheel slot holds only events of its own time, which differs from base
// only in the wheel's bits, in order of sequence; a bucket holds only events
// whose highest digit differing from base is its level and whose digit there
// is its own; nothing is before the clock.
func checkQueue(t *testing.T, q *queue, now Time) {
	t.Helper()
	n := 0
	for i := q.near.head; i < len(q.near.e); i++ {
		e := q.near.e[i]
		if uint64(e.at) >= q.nearLimit || e.at < now {
			t.Fatalf("near holds an event at %d: clock %d, nearLimit %d", e.at, now, q.nearLimit)
		}
		n++
	}
	for s := range wheelSlots {
		// A wheel node does not hold its time: it is the slot's.
		at := q.base&^(wheelSlots-1) | Time(s)
		if q.head[s] != 0 && (at < q.base || uint64(at) < q.nearLimit || at < now) {
			t.Fatalf("wheel slot %d (time %d) is not empty: base %d, clock %d, nearLimit %d", s, at, q.base, now, q.nearLimit)
		}
		var prev uint64
		for i := q.head[s]; i != 0; i = q.nodes[i].next {
			nd := &q.nodes[i]
			if nd.timer != nil && (nd.timer.at != at || nd.timer.where != inWheel || nd.timer.pos != i) {
				t.Fatalf("wheel slot %d (time %d) holds a timer armed for %d at %d/%d", s, at, nd.timer.at, nd.timer.where, nd.timer.pos)
			}
			if i != q.head[s] && nd.seq < prev {
				t.Fatalf("wheel slot %d out of sequence order: %d after %d", s, nd.seq, prev)
			}
			prev = nd.seq
			n++
		}
	}
	for b, bk := range q.buckets {
		for _, e := range bk {
			x := uint64(e.at ^ q.base)
			l := (bits.Len64(x)-1-wheelBits)/digitBits + 1
			d := int(e.at>>((l-1)*digitBits+wheelBits)) % digits
			if x < wheelSlots || e.at < q.base || l*digits+d != b || uint64(e.at) < q.nearLimit || e.at < now {
				t.Fatalf("bucket %d holds an event at %d: base %d, clock %d", b, e.at, q.base, now)
			}
			n++
		}
	}
	if n != q.n {
		t.Fatalf("queue counts %d events and holds %d", q.n, n)
	}
}

// TestScheduleBeforeBaseAfterHorizon covers the one way an event can be
// scheduled before the queue's base: Run stops at a horizon after having
// looked at the next event, which moved a bucket far ahead to the front, and
// the caller then schedules an event between the clock and that bucket. It
// must still run first, whether the bucket was poured into near (a few
// events) or split into the levels below (many).
func TestScheduleBeforeBaseAfterHorizon(t *testing.T) {
	const far = Time(1<<20 + 12345) // two levels above the wheel
	for _, n := range []int{1, nearMax, nearMax + 1, 100} {
		t.Run(strconv.Itoa(n)+" far events", func(t *testing.T) {
			s := NewScheduler()
			var ran []Time
			fn := func(now Time, _ uint64) { ran = append(ran, now) }
			for i := range n {
				s.At(far+Time(i%3), fn, 0)
			}
			if r := s.Run(Limits{Horizon: 1000}); r.Reason != Horizon || r.Now != 1000 {
				t.Fatalf("Run to the horizon: %+v", r)
			}
			s.At(1001, fn, 0)
			s.At(1001+wheelSlots, fn, 0)
			checkQueue(t, &s.q, s.Now())
			s.Run(Limits{})
			if len(ran) != n+2 || ran[0] != 1001 || ran[1] != 1001+wheelSlots {
				t.Fatalf("ran at %v, want 1001 and %d first", ran, 1001+wheelSlots)
			}
			for i := 2; i < len(ran); i++ {
				if ran[i] < ran[i-1] || ran[i] < far {
					t.Fatalf("ran at %v: out of order", ran)
				}
			}
		})
	}
}
