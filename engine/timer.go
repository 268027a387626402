package engine

import "time"

// Timer is a re-armable event, such as a delayed-ACK or retransmission timer.
//
// A pending timer sits in the scheduler's queue and knows where, so Set on a
// pending timer moves it and Stop removes it without leaving a stale entry
// behind: the queue never grows with re-arming (TCP re-arms its timers on
// almost every segment). Both take constant time, except for a timer waiting
// at the front of the queue, where they shift the events due after it.
//
// The zero Timer is not usable; call Init or Scheduler.NewTimer. A Timer may
// be embedded by value in a larger struct, which is how TCP endpoints hold
// theirs without separate allocations.
type Timer struct {
	s     *Scheduler
	fn    Func
	arg   uint64
	at    Time
	pos   int32  // index in the queue's near run, wheel slot or bucket, or -1 when not pending
	where uint16 // which of them: inNear, inWheel, or 2 + the bucket
}

// Init binds t to scheduler s; when the timer fires it runs fn(now, arg).
func (t *Timer) Init(s *Scheduler, fn Func, arg uint64) {
	*t = Timer{s: s, fn: fn, arg: arg, pos: -1}
}

// NewTimer returns a timer bound to s that runs fn(now, arg) when it fires.
func (s *Scheduler) NewTimer(fn Func, arg uint64) *Timer {
	t := new(Timer)
	t.Init(s, fn, arg)
	return t
}

// Set arms the timer to fire at time at, replacing any earlier deadline. For
// the ordering of same-instant events, the timer counts as scheduled now.
func (t *Timer) Set(at Time) {
	t.set(at, t.s.Ticket())
}

// SetTicket arms the timer like Set, but orders it among same-instant events
// as if it had been scheduled when ticket was taken (see Scheduler.Ticket).
//
// It lets a component keep many future events of its own in a FIFO and hold
// only the earliest in the scheduler, re-arming one timer as each fires,
// while executing in exactly the order that scheduling each event with At
// would give: a link delivering packets in order does this, so that the
// scheduler's queue holds one entry per link instead of one per packet in
// flight.
func (t *Timer) SetTicket(at Time, ticket uint64) {
	t.set(at, ticket)
}

func (t *Timer) set(at Time, seq uint64) {
	s := t.s
	if at < s.now {
		at = s.now
	}
	if t.pos >= 0 {
		s.q.remove(t) // before t.at changes: the wheel finds the timer's slot by it
	}
	t.at = at
	s.q.insert(entry{at: at, seq: seq, fn: t.fn, arg: t.arg, timer: t})
}

// SetAfter arms the timer to fire d after the current time.
func (t *Timer) SetAfter(d time.Duration) { t.Set(t.s.now.Add(d)) }

// Stop disarms the timer. It reports whether the timer was pending.
func (t *Timer) Stop() bool {
	if t.pos < 0 {
		return false
	}
	t.s.q.remove(t)
	return true
}

// Pending reports whether the timer is armed.
func (t *Timer) Pending() bool { return t.pos >= 0 }

// When returns the deadline of a pending timer, or Never.
func (t *Timer) When() Time {
	if t.pos < 0 {
		return Never
	}
	return t.at
}
