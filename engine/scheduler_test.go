package engine

import (
	"testing"
	"time"
)

// recorder collects (time, arg) pairs of executed events.
type recorder struct {
	got []rec
}

type rec struct {
	at  Time
	arg uint64
}

func (r *recorder) fn(now Time, arg uint64) { r.got = append(r.got, rec{now, arg}) }

func equalRecs(t *testing.T, got, want []rec) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d: got %v, want %v (all: %v)", i, got[i], want[i], got)
		}
	}
}

func TestSchedulerOrder(t *testing.T) {
	tests := []struct {
		name  string
		sched []rec // (time, arg) in scheduling order
		want  []rec
	}{
		{"empty", nil, nil},
		{"sorted by time", []rec{{30, 1}, {10, 2}, {20, 3}}, []rec{{10, 2}, {20, 3}, {30, 1}}},
		{"same instant in scheduling order", []rec{{5, 1}, {5, 2}, {5, 3}, {5, 4}}, []rec{{5, 1}, {5, 2}, {5, 3}, {5, 4}}},
		{"ties interleaved with other times",
			[]rec{{7, 1}, {3, 2}, {7, 3}, {3, 4}, {0, 5}, {7, 6}, {3, 7}},
			[]rec{{0, 5}, {3, 2}, {3, 4}, {3, 7}, {7, 1}, {7, 3}, {7, 6}}},
		{"many ties beyond one heap level", func() []rec {
			var r []rec
			for i := range 50 {
				r = append(r, rec{Time(100 - i%2*50), uint64(i)})
			}
			return r
		}(), func() []rec {
			var r []rec
			for i := 1; i < 50; i += 2 {
				r = append(r, rec{50, uint64(i)})
			}
			for i := 0; i < 50; i += 2 {
				r = append(r, rec{100, uint64(i)})
			}
			return r
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewScheduler()
			var r recorder
			for _, e := range tc.sched {
				s.At(e.at, r.fn, e.arg)
			}
			res := s.Run(Limits{})
			equalRecs(t, r.got, tc.want)
			if res.Reason != Drained || res.Executed != uint64(len(tc.want)) || s.Pending() != 0 {
				t.Fatalf("result %+v, pending %d", res, s.Pending())
			}
		})
	}
}

func TestAtInThePastRunsNowAfterDueEvents(t *testing.T) {
	s := NewScheduler()
	var r recorder
	s.At(10, func(now Time, arg uint64) {
		r.fn(now, arg)
		s.At(3, r.fn, 100) // in the past: runs at 10, after event 2
		s.After(-time.Second, r.fn, 101)
		s.After(0, r.fn, 102)
	}, 1)
	s.At(10, r.fn, 2)
	s.At(11, r.fn, 3)
	s.Run(Limits{})
	equalRecs(t, r.got, []rec{{10, 1}, {10, 2}, {10, 100}, {10, 101}, {10, 102}, {11, 3}})
}

func TestAfterSaturatesAtNever(t *testing.T) {
	s := NewScheduler()
	var r recorder
	s.At(5, func(now Time, _ uint64) { s.After(time.Duration(Never), r.fn, 1) }, 0)
	s.Run(Limits{})
	equalRecs(t, r.got, []rec{{Never, 1}})
}

func TestRunLimits(t *testing.T) {
	tests := []struct {
		name     string
		limits   Limits
		reason   StopReason
		now      Time
		executed uint64
		pending  int
	}{
		{"no limits drains", Limits{}, Drained, 40, 4, 0},
		{"horizon between events", Limits{Horizon: 25}, Horizon, 25, 2, 2},
		{"event exactly at horizon runs", Limits{Horizon: 30}, Horizon, 30, 3, 1},
		{"horizon after the last event drains", Limits{Horizon: 100}, Drained, 40, 4, 0},
		{"horizon before the first event", Limits{Horizon: 5}, Horizon, 5, 0, 4},
		{"budget", Limits{Events: 2}, Budget, 20, 2, 2},
		{"budget equal to events drains", Limits{Events: 4}, Drained, 40, 4, 0},
		{"budget hits before horizon", Limits{Horizon: 35, Events: 1}, Budget, 10, 1, 3},
		{"horizon hits before budget", Limits{Horizon: 15, Events: 3}, Horizon, 15, 1, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewScheduler()
			var r recorder
			for _, at := range []Time{10, 20, 30, 40} {
				s.At(at, r.fn, uint64(at))
			}
			res := s.Run(tc.limits)
			want := Result{Reason: tc.reason, Now: tc.now, Executed: tc.executed}
			if res != want || s.Now() != tc.now || s.Pending() != tc.pending || s.Executed() != tc.executed {
				t.Fatalf("got %+v now %v pending %d executed %d, want %+v pending %d",
					res, s.Now(), s.Pending(), s.Executed(), want, tc.pending)
			}
			// The rest of the run continues where this call stopped.
			res2 := s.Run(Limits{})
			if res2.Reason != Drained || res2.Now != 40 || res2.Executed != 4-tc.executed {
				t.Fatalf("continuation: %+v", res2)
			}
			if len(r.got) != 4 {
				t.Fatalf("ran %v", r.got)
			}
		})
	}
}

func TestStopFromInsideEvent(t *testing.T) {
	s := NewScheduler()
	var r recorder
	s.At(1, r.fn, 1)
	s.At(2, func(now Time, arg uint64) { r.fn(now, arg); s.Stop() }, 2)
	s.At(2, r.fn, 3)
	s.At(3, r.fn, 4)
	res := s.Run(Limits{})
	if want := (Result{Reason: Stopped, Now: 2, Executed: 2}); res != want {
		t.Fatalf("got %+v, want %+v", res, want)
	}
	equalRecs(t, r.got, []rec{{1, 1}, {2, 2}})
	if s.Pending() != 2 {
		t.Fatalf("pending %d, want 2", s.Pending())
	}
	// Stop only ends the call it happened in.
	res = s.Run(Limits{})
	if want := (Result{Reason: Drained, Now: 3, Executed: 2}); res != want {
		t.Fatalf("second run: got %+v, want %+v", res, want)
	}
}

func TestStepAndStringers(t *testing.T) {
	s := NewScheduler()
	if s.Step() {
		t.Fatal("Step on an empty queue reported true")
	}
	var r recorder
	s.At(7, r.fn, 1)
	if !s.Step() || s.Now() != 7 || s.Executed() != 1 {
		t.Fatalf("Step: now %v executed %d", s.Now(), s.Executed())
	}
	for _, c := range []struct {
		r    StopReason
		want string
	}{{Drained, "drained"}, {Horizon, "horizon"}, {Budget, "budget"}, {Stopped, "stopped"}, {StopReason(9), "unknown"}} {
		if got := c.r.String(); got != c.want {
			t.Errorf("%d.String() = %q, want %q", c.r, got, c.want)
		}
	}
	for _, c := range []struct {
		t    Time
		want string
	}{{0, "0.000ms"}, {40_125_000, "40.125ms"}, {1_500, "0.002ms"}, {Never, "never"}} {
		if got := c.t.String(); got != c.want {
			t.Errorf("Time(%d).String() = %q, want %q", int64(c.t), got, c.want)
		}
	}
	if got := Time(5).Add(time.Duration(Never)); got != Never {
		t.Errorf("Add saturation: %v", got)
	}
	if got := Time(50).Sub(20); got != 30 {
		t.Errorf("Sub: %v", got)
	}
}

func TestResetReusesStorageAndDisarmsTimers(t *testing.T) {
	s := NewScheduler()
	var r recorder
	timers := make([]Timer, 10)
	for i := range timers {
		timers[i].Init(s, r.fn, uint64(i))
		timers[i].Set(Time(1000 + i))
	}
	for i := range 1000 {
		s.At(Time(i), r.fn, uint64(i))
	}
	s.Run(Limits{Events: 500})
	capBefore := s.q.capacity()
	s.Reset()
	if s.Now() != 0 || s.Pending() != 0 || s.Executed() != 0 || s.q.capacity() != capBefore {
		t.Fatalf("after Reset: now %v pending %d executed %d cap %d (was %d)",
			s.Now(), s.Pending(), s.Executed(), s.q.capacity(), capBefore)
	}
	for i := range timers {
		if timers[i].Pending() || timers[i].When() != Never {
			t.Fatalf("timer %d still pending after Reset", i)
		}
	}
	// Refilling to the old size needs no allocation.
	fn := r.fn
	allocs := testing.AllocsPerRun(5, func() {
		s.Reset()
		for i := range 1000 {
			s.At(Time(i), fn, uint64(i))
		}
		for i := range timers {
			timers[i].Set(Time(i))
		}
	})
	if allocs != 0 {
		t.Fatalf("refilling after Reset allocated %v times", allocs)
	}
	// Timers work again after Reset and sequence numbers restart.
	s.Reset()
	r.got = nil
	timers[3].Set(5)
	s.At(5, r.fn, 99)
	timers[1].Set(5)
	s.Run(Limits{})
	equalRecs(t, r.got, []rec{{5, 3}, {5, 99}, {5, 1}})
}

func TestSchedulerStress(t *testing.T) {
	// Random mix of At, timer Set and Stop checked against a brute-force model.
	s := NewScheduler()
	rng := NewStream(1, "test.stress")
	type want struct {
		at  Time
		seq int
		id  uint64
	}
	pending := map[uint64]want{} // id -> deadline
	seq := 0
	var order []uint64
	fn := func(now Time, id uint64) {
		w, ok := pending[id]
		if !ok {
			t.Fatalf("event %d ran but was not pending", id)
		}
		if w.at != now {
			t.Fatalf("event %d ran at %v, want %v", id, now, w.at)
		}
		for _, o := range pending {
			if o.at < w.at || (o.at == w.at && o.seq < w.seq) {
				t.Fatalf("event %d (%v) ran before %d (%v)", id, w, o.id, o)
			}
		}
		delete(pending, id)
		order = append(order, id)
	}
	timers := make([]Timer, 64)
	for i := range timers {
		timers[i].Init(s, fn, uint64(i))
	}
	next := uint64(len(timers))
	for range 5000 {
		switch k := rng.IntN(10); {
		case k < 3:
			at := s.Now() + Time(rng.IntN(50))
			s.At(at, fn, next)
			pending[next] = want{at, seq, next}
			seq++
			next++
		case k < 6:
			i := rng.IntN(len(timers))
			at := s.Now() + Time(rng.IntN(50))
			timers[i].Set(at)
			pending[uint64(i)] = want{at, seq, uint64(i)}
			seq++
		case k < 7:
			i := rng.IntN(len(timers))
			_, was := pending[uint64(i)]
			if timers[i].Stop() != was {
				t.Fatalf("Stop of timer %d reported %v", i, !was)
			}
			delete(pending, uint64(i))
		default:
			s.Step()
		}
		if s.Pending() != len(pending) {
			t.Fatalf("scheduler has %d pending, model %d", s.Pending(), len(pending))
		}
	}
	s.Run(Limits{})
	if len(pending) != 0 {
		t.Fatalf("%d events never ran", len(pending))
	}
}

func TestHorizonInThePastKeepsClock(t *testing.T) {
	s := NewScheduler()
	var r recorder
	s.At(30, r.fn, 1)
	s.At(40, r.fn, 2)
	s.Run(Limits{Horizon: 35})
	res := s.Run(Limits{Horizon: 20})
	if want := (Result{Reason: Horizon, Now: 35}); res != want || s.Now() != 35 {
		t.Fatalf("got %+v now %v, want %+v", res, s.Now(), want)
	}
}
