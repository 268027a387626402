package engine

import (
	"container/heap"
	"runtime"
	"strconv"
	"testing"
)

// holdSizes are the queue sizes of the classic hold-model benchmark: a
// queue that fits in the first-level cache, one that fits in the second and
// one that does not.
var holdSizes = []int{1000, 10_000, 100_000}

// meanHold is the mean of the exponential hold time, 1µs in ns.
const meanHold = 1000.0

// holdWarmup is the number of events run, untimed, before a hold benchmark
// is timed: the initial queue (q events at Exp(1µs) from time zero) is not
// the steady state's, in which the pending times have spread.
func holdWarmup(q int) int { return max(1_000_000, 10*q) }

// holdQueue is what the hold benchmarks drive: the Scheduler, or a baseline.
type holdQueue interface {
	At(at Time, fn Func, arg uint64)
	Step() bool
	Pending() int
	Now() Time
}

// holder runs the hold model: each event schedules its successor at
// now + Exp(1µs), so the queue size stays constant. The draws come from
// NewStream(1, "bench.hold"); scripts/bench-ns3 replays the same draws in
// ns-3 and compares the time of the last event (the end-ns metric).
type holder struct {
	s    holdQueue
	rng  *Stream
	next Func
}

func (h *holder) fire(now Time, arg uint64) {
	h.s.At(now+Time(h.rng.ExpFloat64()*meanHold), h.next, arg+1)
}

// benchHold runs the hold model with q pending events on the queue made by
// mk, reporting events/s, CPU ns per event and the time of the last event.
func benchHold(b *testing.B, q int, mk func() holdQueue) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	h := &holder{s: mk(), rng: NewStream(1, "bench.hold")}
	h.next = h.fire
	for i := range q {
		h.s.At(Time(h.rng.ExpFloat64()*meanHold), h.next, uint64(i))
	}
	for range holdWarmup(q) {
		h.s.Step()
	}
	b.ReportAllocs()
	cpu0, cpuOK := threadCPU()
	b.ResetTimer()
	for range b.N {
		h.s.Step()
	}
	b.StopTimer()
	cpu1, _ := threadCPU()
	if h.s.Pending() != q {
		b.Fatalf("queue size %d, want %d", h.s.Pending(), q)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if cpuOK {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(float64(h.s.Now()), "end-ns")
}

// BenchmarkHold is the hold model on the Scheduler. scripts/bench-ns3/run.sh
// runs it beside the same workload on ns-3's schedulers and prints the
// ratios.
func BenchmarkHold(b *testing.B) {
	for _, q := range holdSizes {
		b.Run("q="+strconv.Itoa(q), func(b *testing.B) {
			benchHold(b, q, func() holdQueue { return NewScheduler() })
		})
	}
}

// heapQueue is the previous Scheduler's queue, a 4-ary heap of all pending
// events (see heap4), driven as the Scheduler drives its queue.
type heapQueue struct {
	h   heap4
	now Time
	seq uint64
}

func (s *heapQueue) At(at Time, fn Func, arg uint64) {
	s.h.push(entry{at: at, seq: s.seq, fn: fn, arg: arg})
	s.seq++
}

func (s *heapQueue) Step() bool {
	if len(s.h) == 0 {
		return false
	}
	e := s.h.pop()
	s.now = e.at
	e.fn(e.at, e.arg)
	return true
}

func (s *heapQueue) Pending() int { return len(s.h) }
func (s *heapQueue) Now() Time    { return s.now }

// BenchmarkHoldHeap is the baseline of the previous scheduler: the same
// workload on one 4-ary heap of every pending event.
func BenchmarkHoldHeap(b *testing.B) {
	for _, q := range holdSizes {
		b.Run("q="+strconv.Itoa(q), func(b *testing.B) {
			benchHold(b, q, func() holdQueue { return &heapQueue{} })
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
}

func (s *baseSched) At(t Time, fn Func, arg uint64) {
	heap.Push(&s.h, baseEvent{at: t, seq: s.seq, fn: fn, arg: arg})
	s.seq++
}

func (s *baseSched) Step() bool {
	if len(s.h) == 0 {
		return false
	}
	e := heap.Pop(&s.h).(baseEvent)
	s.now = e.at
	e.fn(e.at, e.arg)
	return true
}

func (s *baseSched) Pending() int { return len(s.h) }
func (s *baseSched) Now() Time    { return s.now }

// BenchmarkHoldContainerHeap is the textbook baseline of BenchmarkHold: the
// same workload on container/heap.
func BenchmarkHoldContainerHeap(b *testing.B) {
	for _, q := range holdSizes {
		b.Run("q="+strconv.Itoa(q), func(b *testing.B) {
			benchHold(b, q, func() holdQueue { return &baseSched{} })
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
