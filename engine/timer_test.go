package engine

import (
	"testing"
	"time"
)

func TestTimer(t *testing.T) {
	type op struct {
		kind string // set, stop, run
		at   Time   // set: deadline; run: horizon
	}
	tests := []struct {
		name        string
		ops         []op
		wantFired   []rec
		wantPending bool
		wantWhen    Time
		wantStop    []bool // result of each stop, in order
	}{
		{"unarmed", nil, nil, false, Never, nil},
		{"set fires once", []op{{"set", 10}, {"run", 0}}, []rec{{10, 7}}, false, Never, nil},
		{"set pending", []op{{"set", 10}}, nil, true, 10, nil},
		{"re-set later", []op{{"set", 10}, {"set", 20}, {"run", 0}}, []rec{{20, 7}}, false, Never, nil},
		{"re-set earlier", []op{{"set", 20}, {"set", 10}, {"run", 0}}, []rec{{10, 7}}, false, Never, nil},
		{"re-set pending reports new deadline", []op{{"set", 20}, {"set", 15}}, nil, true, 15, nil},
		{"stop", []op{{"set", 10}, {"stop", 0}, {"run", 0}}, nil, false, Never, []bool{true}},
		{"stop twice", []op{{"set", 10}, {"stop", 0}, {"stop", 0}}, nil, false, Never, []bool{true, false}},
		{"stop unarmed", []op{{"stop", 0}}, nil, false, Never, []bool{false}},
		{"stop after firing", []op{{"set", 10}, {"run", 0}, {"stop", 0}}, []rec{{10, 7}}, false, Never, []bool{false}},
		{"set after stop", []op{{"set", 10}, {"stop", 0}, {"set", 30}, {"run", 0}}, []rec{{30, 7}}, false, Never, []bool{true}},
		{"set after firing", []op{{"set", 10}, {"run", 0}, {"set", 40}, {"run", 0}}, []rec{{10, 7}, {40, 7}}, false, Never, nil},
		{"past deadline fires now", []op{{"set", 10}, {"run", 0}, {"set", 2}, {"run", 0}}, []rec{{10, 7}, {10, 7}}, false, Never, nil},
		{"pending beyond horizon", []op{{"set", 50}, {"run", 20}}, nil, true, 50, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewScheduler()
			var r recorder
			tm := s.NewTimer(r.fn, 7)
			var stops []bool
			for _, o := range tc.ops {
				switch o.kind {
				case "set":
					tm.Set(o.at)
				case "stop":
					stops = append(stops, tm.Stop())
				case "run":
					s.Run(Limits{Horizon: o.at})
				}
			}
			equalRecs(t, r.got, tc.wantFired)
			if tm.Pending() != tc.wantPending || tm.When() != tc.wantWhen {
				t.Fatalf("Pending %v When %v, want %v %v", tm.Pending(), tm.When(), tc.wantPending, tc.wantWhen)
			}
			if len(stops) != len(tc.wantStop) {
				t.Fatalf("stops %v, want %v", stops, tc.wantStop)
			}
			for i := range stops {
				if stops[i] != tc.wantStop[i] {
					t.Fatalf("stops %v, want %v", stops, tc.wantStop)
				}
			}
			wantPending := 0
			if tc.wantPending {
				wantPending = 1
			}
			if s.Pending() != wantPending {
				t.Fatalf("scheduler pending %d, want %d", s.Pending(), wantPending)
			}
		})
	}
}

func TestTimerReArmKeepsQueueSize(t *testing.T) {
	s := NewScheduler()
	var r recorder
	timers := make([]Timer, 100)
	for i := range timers {
		timers[i].Init(s, r.fn, uint64(i))
		timers[i].Set(Time(1000 + i))
	}
	s.At(500, r.fn, 1000)
	rng := NewStream(3, "test.rearm")
	for i := range 100_000 {
		tm := &timers[i%len(timers)]
		at := Time(1 + rng.IntN(10_000))
		tm.Set(at)
		if s.Pending() != 101 {
			t.Fatalf("after %d re-arms: %d pending, want 101", i+1, s.Pending())
		}
		if !tm.Pending() || tm.When() != at {
			t.Fatalf("timer %d: pending %v when %v, want %v", i%len(timers), tm.Pending(), tm.When(), at)
		}
	}
	// Stale entries would make the queue hold 100 000 entries; without them
	// each of the at most 15 slices in use (near and the buckets of times
	// below 2^14) holds at most 101 and so has capacity at most 128.
	if c := s.q.capacity(); c > 15*128 {
		t.Fatalf("queue grew to capacity %d", c)
	}
	// Every timer fires exactly once, at its last deadline, in order.
	s.Run(Limits{})
	if len(r.got) != 101 {
		t.Fatalf("%d events fired, want 101", len(r.got))
	}
	for i := 1; i < len(r.got); i++ {
		if r.got[i].at < r.got[i-1].at {
			t.Fatalf("out of order: %v", r.got)
		}
	}
}

func TestTimerTiesCountFromReArming(t *testing.T) {
	// A timer re-armed to an instant shared with other events runs after the
	// events scheduled before the re-arming and before those scheduled after.
	s := NewScheduler()
	var r recorder
	tm := s.NewTimer(r.fn, 1)
	tm.Set(5)
	s.At(5, r.fn, 2)
	tm.Set(5) // re-armed to the same instant: now after event 2
	s.At(5, r.fn, 3)
	tm2 := s.NewTimer(r.fn, 4)
	tm2.SetAfter(5 * time.Nanosecond)
	s.Run(Limits{})
	equalRecs(t, r.got, []rec{{5, 2}, {5, 1}, {5, 3}, {5, 4}})
}

func TestTimerSetFromItsOwnCallback(t *testing.T) {
	s := NewScheduler()
	var tm Timer
	var fired []Time
	tm.Init(s, func(now Time, _ uint64) {
		fired = append(fired, now)
		if tm.Pending() {
			t.Fatal("timer pending inside its own callback")
		}
		if len(fired) < 5 {
			tm.SetAfter(10)
		}
	}, 0)
	tm.Set(1)
	s.Run(Limits{})
	want := []Time{1, 11, 21, 31, 41}
	if len(fired) != len(want) {
		t.Fatalf("fired %v, want %v", fired, want)
	}
	for i := range want {
		if fired[i] != want[i] {
			t.Fatalf("fired %v, want %v", fired, want)
		}
	}
}

func TestTimerSetTicketOrdersAsAt(t *testing.T) {
	// Three "packets" scheduled for the same instant, interleaved with other
	// events: one timer armed with tickets runs them where At would have.
	s := NewScheduler()
	var r recorder
	var fifo []uint64 // tickets of pending packets
	var tm Timer
	tm.Init(s, func(now Time, arg uint64) {
		r.fn(now, 100+uint64(len(fifo)))
		fifo = fifo[1:]
		if len(fifo) > 0 {
			tm.SetTicket(10, fifo[0])
		}
	}, 0)
	s.At(10, r.fn, 1)
	fifo = append(fifo, s.Ticket())
	tm.SetTicket(10, fifo[0])
	s.At(10, r.fn, 2)
	fifo = append(fifo, s.Ticket())
	s.At(10, r.fn, 3)
	fifo = append(fifo, s.Ticket())
	s.At(10, r.fn, 4)
	s.Run(Limits{})
	// The packets (100+number left including itself) run after 1, 2 and 3.
	equalRecs(t, r.got, []rec{{10, 1}, {10, 103}, {10, 2}, {10, 102}, {10, 3}, {10, 101}, {10, 4}})

	// Re-arming a pending timer with an older ticket moves it earlier.
	s.Reset()
	r.got = nil
	ticket := s.Ticket()
	s.At(5, r.fn, 1)
	tm2 := s.NewTimer(r.fn, 2)
	tm2.Set(5)
	tm2.SetTicket(5, ticket)
	s.Run(Limits{})
	equalRecs(t, r.got, []rec{{5, 2}, {5, 1}})
}
