package engine

import (
	"sync/atomic"
	"time"
)

// Func is the code an event runs. arg is the value given when the event was
// scheduled; it lets one long-lived Func (typically a method value created once)
// serve many events without a closure, and so without allocation, per event.
type Func func(now Time, arg uint64)

// Scheduler is a deterministic discrete-event scheduler. Events run in order
// of virtual time; events at the same instant run in the order they were
// scheduled (a timer that is re-armed counts as scheduled at the re-arming).
//
// A Scheduler is not safe for concurrent use: parallelism in emu comes from
// running independent runs, each with its own Scheduler, on separate goroutines.
type Scheduler struct {
	now      Time
	seq      uint64
	q        queue
	executed uint64
	stopped  bool
}

// NewScheduler returns an empty scheduler at time zero.
func NewScheduler() *Scheduler { return &Scheduler{} }

// Reset empties the queue and returns the clock to zero, keeping the queue's
// storage so that a worker can reuse one Scheduler for many runs. Pending
// timers are disarmed.
func (s *Scheduler) Reset() {
	s.q.reset()
	s.now, s.seq, s.executed, s.stopped = 0, 0, 0, false
}

// Now returns the current virtual time.
func (s *Scheduler) Now() Time { return s.now }

// Pending returns the number of events waiting in the queue.
func (s *Scheduler) Pending() int { return s.q.n }

// Executed returns the number of events run since the last Reset.
func (s *Scheduler) Executed() uint64 { return s.executed }

// At schedules fn(at, arg) at virtual time at. A time in the past is treated
// as now: the event runs after the events already due at this instant.
func (s *Scheduler) At(at Time, fn Func, arg uint64) {
	// Kept within the inlining budget: an event's function calls At, and
	// an inlined At saves a call per event.
	s.seq++
	s.q.insert(entry{at: max(at, s.now), seq: s.seq - 1, fn: fn, arg: arg})
}

// After schedules fn(now+d, arg) d after the current time.
func (s *Scheduler) After(d time.Duration, fn Func, arg uint64) {
	s.At(s.now.Add(d), fn, arg)
}

// Stop makes the current Run return after the event being executed.
func (s *Scheduler) Stop() { s.stopped = true }

// Ticket reserves the scheduling sequence number that the next At would
// use. Among events at the same instant, an event armed later with
// Timer.SetTicket(at, ticket) runs where an event scheduled with At at the
// moment the ticket was taken would have run.
func (s *Scheduler) Ticket() uint64 {
	t := s.seq
	s.seq++
	return t
}

// Step runs the earliest pending event, advancing the clock to its time.
// It reports false when the queue is empty.
func (s *Scheduler) Step() bool {
	if s.q.n == 0 {
		return false
	}
	at, fn, arg := s.q.pop()
	s.now = at
	s.executed++
	fn(at, arg)
	return true
}

// StopReason says why Run returned.
type StopReason uint8

const (
	// Drained: no event was left in the queue.
	Drained StopReason = iota
	// Horizon: the next event lay beyond the horizon; the clock stands at the horizon.
	Horizon
	// Budget: the event budget was spent; the run did not finish.
	Budget
	// Stopped: an event called Scheduler.Stop.
	Stopped
	// Interrupted: Limits.Interrupt was set (the user pressed Ctrl-C); the
	// run did not finish and its state means nothing.
	Interrupted
)

// String names the reason: drained, horizon, budget or stopped.
func (r StopReason) String() string {
	switch r {
	case Drained:
		return "drained"
	case Horizon:
		return "horizon"
	case Budget:
		return "budget"
	case Stopped:
		return "stopped"
	case Interrupted:
		return "interrupted"
	}
	return "unknown"
}

// Limits bound one call of Run. Zero values mean no bound.
type Limits struct {
	// Horizon is the last virtual time at which events may run.
	Horizon Time
	// Events is the largest number of events this call may execute.
	Events uint64
	// Interrupt, if set, is checked every InterruptEvery events; once it
	// holds true Run returns with Interrupted. It is the only way another
	// goroutine can end a run, and it cannot change a finished run's result.
	Interrupt *atomic.Bool
}

// InterruptEvery is how many events Run executes between two checks of
// Limits.Interrupt: a few microseconds of work, so that Ctrl-C ends even a
// run of millions of connections at once, at no measurable cost.
const InterruptEvery = 4096

// Result says how a call of Run ended.
type Result struct {
	Reason   StopReason
	Now      Time   // the clock when Run returned
	Executed uint64 // events executed by this call
}

// Run executes events until the queue is empty, the next event lies beyond
// the horizon, the event budget is spent or an event calls Stop. A scenario
// that keeps scheduling events forever therefore ends with Horizon or Budget
// rather than hanging.
func (s *Scheduler) Run(l Limits) Result {
	s.stopped = false
	horizon := l.Horizon
	if horizon == 0 {
		horizon = Never
	}
	var n uint64
	for {
		if s.stopped {
			return Result{Reason: Stopped, Now: s.now, Executed: n}
		}
		if s.q.n == 0 {
			return Result{Reason: Drained, Now: s.now, Executed: n}
		}
		if s.q.nextAt() > horizon {
			// The clock never runs backwards: a horizon already passed
			// leaves it where it is.
			if horizon > s.now {
				s.now = horizon
			}
			return Result{Reason: Horizon, Now: s.now, Executed: n}
		}
		if l.Events != 0 && n >= l.Events {
			return Result{Reason: Budget, Now: s.now, Executed: n}
		}
		if n%InterruptEvery == 0 && l.Interrupt != nil && l.Interrupt.Load() {
			return Result{Reason: Interrupted, Now: s.now, Executed: n}
		}
		s.Step()
		n++
	}
}
