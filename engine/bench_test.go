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

// holdRunner is a queue set up for the hold model: q events scheduled at
// Exp(1µs) from time zero, each of which, when it runs, schedules its
// successor at now + Exp(1µs), so that q events stay pending. The draws come
// from NewStream(1, "bench.hold"); scripts/bench-ns3 replays the same draws
// in ns-3 and compares the time of the last event (the end-ns metric).
//
// Each queue has its own runner type, so that the timed loop and the
// events' calls of At are direct calls, as in a simulation.
type holdRunner interface {
	run(n int) // runs n events
	pending() int
	now() Time
}

func holdDraw(rng *Stream) Time { return Time(rng.ExpFloat64() * meanHold) }

// schedHold is the hold model on the Scheduler.
type schedHold struct {
	s    *Scheduler
	rng  *Stream
	next Func
}

func newSchedHold(q int) holdRunner {
	h := &schedHold{s: NewScheduler(), rng: NewStream(1, "bench.hold")}
	h.next = h.fire
	for i := range q {
		h.s.At(holdDraw(h.rng), h.next, uint64(i))
	}
	return h
}

func (h *schedHold) fire(now Time, arg uint64) { h.s.At(now+holdDraw(h.rng), h.next, arg+1) }
func (h *schedHold) pending() int              { return h.s.Pending() }
func (h *schedHold) now() Time                 { return h.s.Now() }
func (h *schedHold) run(n int) {
	for range n {
		h.s.Step()
	}
}

// benchHold runs the hold model with q pending events, after a warm-up,
// reporting events/s, CPU ns per event and the time of the last event.
func benchHold(b *testing.B, q int, mk func(q int) holdRunner) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	h := mk(q)
	h.run(holdWarmup(q))
	b.ReportAllocs()
	cpu0, cpuOK := threadCPU()
	b.ResetTimer()
	h.run(b.N)
	b.StopTimer()
	cpu1, _ := threadCPU()
	if h.pending() != q {
		b.Fatalf("queue size %d, want %d", h.pending(), q)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if cpuOK {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(float64(h.now()), "end-ns")
}

// BenchmarkHold is the hold model on the Scheduler. scripts/bench-ns3/run.sh
// runs it beside the same workload on ns-3's schedulers and prints the
// ratios.
func BenchmarkHold(b *testing.B) {
	for _, q := range holdSizes {
		b.Run("q="+strconv.Itoa(q), func(b *testing.B) { benchHold(b, q, newSchedHold) })
	}
}

// heapHold is the hold model on the previous Scheduler's queue, a 4-ary
// heap of all pending events (see heap4), driven as the Scheduler drives its
// queue.
type heapHold struct {
	h       heap4
	t       Time
	seq     uint64
	rng     *Stream
	nextEvt Func
}

func newHeapHold(q int) holdRunner {
	h := &heapHold{rng: NewStream(1, "bench.hold")}
	h.nextEvt = h.fire
	for i := range q {
		h.at(holdDraw(h.rng), h.nextEvt, uint64(i))
	}
	return h
}

func (h *heapHold) at(at Time, fn Func, arg uint64) {
	h.h.push(entry{at: at, seq: h.seq, fn: fn, arg: arg})
	h.seq++
}

func (h *heapHold) fire(now Time, arg uint64) { h.at(now+holdDraw(h.rng), h.nextEvt, arg+1) }
func (h *heapHold) pending() int              { return len(h.h) }
func (h *heapHold) now() Time                 { return h.t }
func (h *heapHold) run(n int) {
	for range n {
		e := h.h.pop()
		h.t = e.at
		e.fn(e.at, e.arg)
	}
}

// BenchmarkHoldHeap is the baseline of the previous scheduler: the same
// workload on one 4-ary heap of every pending event.
func BenchmarkHoldHeap(b *testing.B) {
	for _, q := range holdSizes {
		b.Run("q="+strconv.Itoa(q), func(b *testing.B) { benchHold(b, q, newHeapHold) })
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

// baseHold is the hold model on container/heap.
type baseHold struct {
	h       baseHeap
	t       Time
	seq     uint64
	rng     *Stream
	nextEvt Func
}

func newBaseHold(q int) holdRunner {
	h := &baseHold{rng: NewStream(1, "bench.hold")}
	h.nextEvt = h.fire
	for i := range q {
		h.at(holdDraw(h.rng), h.nextEvt, uint64(i))
	}
	return h
}

func (h *baseHold) at(t Time, fn Func, arg uint64) {
	heap.Push(&h.h, baseEvent{at: t, seq: h.seq, fn: fn, arg: arg})
	h.seq++
}

func (h *baseHold) fire(now Time, arg uint64) { h.at(now+holdDraw(h.rng), h.nextEvt, arg+1) }
func (h *baseHold) pending() int              { return len(h.h) }
func (h *baseHold) now() Time                 { return h.t }
func (h *baseHold) run(n int) {
	for range n {
		e := heap.Pop(&h.h).(baseEvent)
		h.t = e.at
		e.fn(e.at, e.arg)
	}
}

// BenchmarkHoldContainerHeap is the textbook baseline of BenchmarkHold: the
// same workload on container/heap.
func BenchmarkHoldContainerHeap(b *testing.B) {
	for _, q := range holdSizes {
		b.Run("q="+strconv.Itoa(q), func(b *testing.B) { benchHold(b, q, newBaseHold) })
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
