package engine

import (
	"sync/atomic"
	"testing"
)

// TestRunInterrupt: a set Interrupt ends Run at the next check (a multiple
// of InterruptEvery events), and an unset one changes nothing.
func TestRunInterrupt(t *testing.T) {
	cases := []struct {
		set      bool
		reason   StopReason
		executed uint64
	}{
		{false, Drained, 10000},
		{true, Interrupted, 0}, // checked before the first event
	}
	for _, c := range cases {
		s := NewScheduler()
		var n uint64
		var tick Func
		tick = func(now Time, _ uint64) {
			if n++; n < 10000 {
				s.At(now+1, tick, 0)
			}
		}
		s.At(0, tick, 0)
		var flag atomic.Bool
		flag.Store(c.set)
		res := s.Run(Limits{Interrupt: &flag})
		if res.Reason != c.reason || res.Executed != c.executed {
			t.Errorf("set=%v: %v after %d events, want %v after %d", c.set, res.Reason, res.Executed, c.reason, c.executed)
		}
	}
	// Set during the run, by an event: the run stops at the next check.
	s := NewScheduler()
	var flag atomic.Bool
	var n uint64
	var tick Func
	tick = func(now Time, _ uint64) {
		if n++; n == 5000 {
			flag.Store(true)
		}
		s.At(now+1, tick, 0)
	}
	s.At(0, tick, 0)
	res := s.Run(Limits{Interrupt: &flag})
	if res.Reason != Interrupted || res.Executed != 2*InterruptEvery {
		t.Errorf("%v after %d events, want interrupted after %d", res.Reason, res.Executed, 2*InterruptEvery)
	}
}
