package engine

import "testing"

// TestNearStaysSmall: a near queue that never runs empty (every event taken
// from its head is replaced by one added at its end, as in a long run of
// many connections) holds storage for what waits, not for every event it
// ever held, and still hands the events over in order with their timers'
// positions right.
func TestNearStaysSmall(t *testing.T) {
	for _, waiting := range []int{1, 10, 3000} {
		var n nearQueue
		timers := make([]Timer, waiting)
		seq := uint64(0)
		add := func(at Time, tm *Timer) {
			seq++
			n.push(entry{at: at, seq: seq, timer: tm})
		}
		for i := range timers {
			add(Time(i), &timers[i])
		}
		for i := 0; i < 200_000; i++ {
			at, _, _, tm := n.pop()
			if want := Time(i); at != want {
				t.Fatalf("waiting %d: event %d at %d, want %d", waiting, i, at, want)
			}
			add(Time(i+waiting), tm)
			for j := n.head; i%997 == 0 && j < len(n.e); j++ {
				if tm := n.e[j].timer; tm.where != inNear || int(tm.pos) != j {
					t.Fatalf("waiting %d: timer of the event at index %d records %d", waiting, j, tm.pos)
				}
			}
			if c := cap(n.e); c > 4*waiting+4096 {
				t.Fatalf("waiting %d: near holds storage for %d events after %d", waiting, c, i)
			}
		}
	}
}
