package engine

import (
	"container/heap"
	"strconv"
	"testing"
)

// holdSizes are the queue sizes of the classic hold-model benchmark: a small
// queue that fits in cache and a large one that does not.
var holdSizes = []int{1000, 100_000}

// meanHold is the mean of the exponential hold time, 1µs in ns.
const meanHold = 1000.0

// holder runs the hold model on a Scheduler: each event schedules its
// successor at now + Exp(1µs), so the queue size stays constant.
type holder struct {
	s    *Scheduler
	rng  *Stream
	next Func
}

func (h *holder) fire(now Time, arg uint64) {
	h.s.At(now+Time(h.rng.ExpFloat64()*meanHold), h.next, arg+1)
}

func BenchmarkHold(b *testing.B) {
	for _, q := range holdSizes {
		b.Run("q="+strconv.Itoa(q), func(b *testing.B) {
			h := &holder{s: NewScheduler(), rng: NewStream(1, "bench.hold")}
			h.next = h.fire
			for i := range q {
				h.s.At(Time(h.rng.ExpFloat64()*meanHold), h.next, uint64(i))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				h.s.Step()
			}
			b.StopTimer()
			if h.s.Pending() != q {
				b.Fatalf("queue size %d, want %d", h.s.Pending(), q)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// baseEvent is the baseline's queue entry: the same (time, sequence) order
// and the same payload as the engine's.
type baseEvent struct {
	at  Time
	seq uint64
	fn  Func
	arg uint64
}

// baseHeap is a straightforward binary heap of structs via heap.Interface.
type baseHeap []baseEvent

func (h baseHeap) Len() int { return len(h) }
func (h baseHeap) Less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].seq < h[j].seq)
}
func (h baseHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *baseHeap) Push(x any)   { *h = append(*h, x.(baseEvent)) }
func (h *baseHeap) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	*h = old[:n-1]
	return e
}

type baseSched struct {
	h   baseHeap
	now Time
	seq uint64
	rng *Stream
	fn  Func
}

func (s *baseSched) at(t Time, fn Func, arg uint64) {
	heap.Push(&s.h, baseEvent{at: t, seq: s.seq, fn: fn, arg: arg})
	s.seq++
}

func (s *baseSched) step() {
	e := heap.Pop(&s.h).(baseEvent)
	s.now = e.at
	e.fn(e.at, e.arg)
}

func (s *baseSched) fire(now Time, arg uint64) {
	s.at(now+Time(s.rng.ExpFloat64()*meanHold), s.fn, arg+1)
}

// BenchmarkHoldContainerHeap is the baseline of BenchmarkHold: the same
// workload on container/heap.
func BenchmarkHoldContainerHeap(b *testing.B) {
	for _, q := range holdSizes {
		b.Run("q="+strconv.Itoa(q), func(b *testing.B) {
			s := &baseSched{rng: NewStream(1, "bench.hold")}
			s.fn = s.fire
			for i := range q {
				s.at(Time(s.rng.ExpFloat64()*meanHold), s.fn, uint64(i))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				s.step()
			}
			b.StopTimer()
			if len(s.h) != q {
				b.Fatalf("queue size %d, want %d", len(s.h), q)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func nop(Time, uint64) {}

// BenchmarkTimerReset re-arms one of 1000 pending timers per op, as TCP does
// with its retransmission and delayed-ACK timers on almost every segment.
func BenchmarkTimerReset(b *testing.B) {
	s := NewScheduler()
	rng := NewStream(1, "bench.timer")
	timers := make([]Timer, 1000)
	for i := range timers {
		timers[i].Init(s, nop, uint64(i))
		timers[i].Set(Time(rng.IntN(1_000_000)))
	}
	deadlines := make([]Time, 4096)
	for i := range deadlines {
		deadlines[i] = Time(rng.IntN(1_000_000))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		timers[i%len(timers)].Set(deadlines[i%len(deadlines)])
	}
	b.StopTimer()
	if s.Pending() != len(timers) {
		b.Fatalf("%d pending, want %d", s.Pending(), len(timers))
	}
}

// BenchmarkTimerStopStart stops one of 1000 pending timers and arms it again
// per op: the pattern of a timer cancelled and restarted later.
func BenchmarkTimerStopStart(b *testing.B) {
	s := NewScheduler()
	rng := NewStream(1, "bench.timer")
	timers := make([]Timer, 1000)
	for i := range timers {
		timers[i].Init(s, nop, uint64(i))
		timers[i].Set(Time(rng.IntN(1_000_000)))
	}
	deadlines := make([]Time, 4096)
	for i := range deadlines {
		deadlines[i] = Time(rng.IntN(1_000_000))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		t := &timers[i%len(timers)]
		t.Stop()
		t.Set(deadlines[i%len(deadlines)])
	}
	b.StopTimer()
	if s.Pending() != len(timers) {
		b.Fatalf("%d pending, want %d", s.Pending(), len(timers))
	}
}
