package kernel

import (
	"container/heap"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/results"
)

// Relay forwards packets between the two TUN devices of a Pair through
// netlink's link model, in real time: each packet read from one side is
// offered to the model at the moment it was read, and written to the other
// side when the model delivers it, or dropped when the model loses it.
type Relay struct {
	pair *Pair
	fds  [2]int // the devices' descriptors (owned by pair.TUN)
	in   chan arrival
	stop chan struct{}
	wg   sync.WaitGroup

	mu  sync.Mutex
	cur *Trial // the run being recorded; packets between runs go to the last one
	err error  // first fatal error of the relay goroutines
}

// arrival is one packet read from a TUN device.
type arrival struct {
	data []byte
	from results.Side // the side whose TUN device it came out of
	at   int64        // monotonic ns when it was read
}

// pending is a packet the model will deliver at at.
type pending struct {
	at    int64 // monotonic ns
	seq   uint64
	data  []byte
	to    results.Side
	trial *Trial
	ours  bool // the trial's own packet
}

type pendingHeap []pending

func (h pendingHeap) Len() int { return len(h) }
func (h pendingHeap) Less(i, j int) bool {
	return h[i].at < h[j].at || h[i].at == h[j].at && h[i].seq < h[j].seq
}
func (h pendingHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pendingHeap) Push(x any)   { *h = append(*h, x.(pending)) }
func (h *pendingHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// NewRelay starts relaying between the devices of p. Until Begin is called
// packets pass with no delay and are not recorded.
func NewRelay(p *Pair) *Relay {
	r := &Relay{pair: p, in: make(chan arrival, 1024), stop: make(chan struct{})}
	for i, f := range p.TUN {
		r.fds[i] = int(f.Fd())
	}
	r.wg.Add(3)
	go r.read(results.Client)
	go r.read(results.Server)
	go r.forward()
	return r
}

// Begin starts recording a new run whose server listens on port, with the
// link cfg and the model's random streams derived from seed as emu run
// derives them. The run's time 0 is now.
func (r *Relay) Begin(cfg netlink.DuplexConfig, seed uint64, port uint16) (*Trial, error) {
	t, err := newTrial(cfg, seed, port, monotonic())
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.cur = t
	r.mu.Unlock()
	return t, nil
}

// Err returns the first error that stopped the relay, if any.
func (r *Relay) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *Relay) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
}

// Close stops the relay. The caller closes the Pair afterwards (closing
// the devices ends the readers).
func (r *Relay) Close() {
	close(r.stop)
	r.wg.Wait() // the readers see stop within one poll timeout
}

// read takes the packets out of one side's TUN device, each stamped with
// the time it was read, on a locked real-time thread that polls the device
// (Go's poller would hand a packet over only when the runtime next
// schedules the reader).
func (r *Relay) read(side results.Side) {
	defer r.wg.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	_ = fifo(0, relayPriority) // best effort: without it, timing is as good as the machine's load allows
	fd := r.fds[side]
	buf := make([]byte, 65536)
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		select {
		case <-r.stop:
			return
		default:
		}
		n, err := unix.Poll(pfd, 50)
		if err == unix.EINTR || err == nil && n == 0 {
			continue
		}
		if err != nil {
			r.fail(fmt.Errorf("relay: poll %s device: %w", side, err))
			return
		}
		m, err := unix.Read(fd, buf)
		at := monotonic()
		if err == unix.EAGAIN || err == unix.EINTR {
			continue
		}
		if err != nil {
			r.fail(fmt.Errorf("relay: read %s device: %w", side, err))
			return
		}
		data := make([]byte, m)
		copy(data, buf[:m])
		select {
		case r.in <- arrival{data: data, from: side, at: at}:
		case <-r.stop:
			return
		}
	}
}

// forward runs on its own locked OS thread with 1 ns timer slack, so that
// its sleeps end when asked (see sleepUntil).
func (r *Relay) forward() {
	defer r.wg.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := preciseThread(); err != nil {
		r.fail(fmt.Errorf("relay: timer slack: %w", err))
	}
	_ = fifo(0, relayPriority) // best effort, as in read
	var q pendingHeap
	var seq uint64
	accept := func(a arrival) {
		r.mu.Lock()
		t := r.cur
		r.mu.Unlock()
		if t == nil {
			heap.Push(&q, pending{at: a.at, seq: seq, data: a.data, to: a.from.Peer()})
			seq++
			return
		}
		at, ours, ok := t.offer(a)
		if ok {
			heap.Push(&q, pending{at: at, seq: seq, data: a.data, to: a.from.Peer(), trial: t, ours: ours})
			seq++
		}
	}
	for {
		if len(q) == 0 {
			select {
			case a := <-r.in:
				accept(a)
			case <-r.stop:
				return
			}
			continue
		}
		wait := time.Duration(q[0].at - monotonic())
		if wait > 2*time.Millisecond {
			// Far from the next delivery: wait for new packets too, with
			// Go's timer (which may be late by half a millisecond).
			tm := time.NewTimer(wait - 1500*time.Microsecond)
			select {
			case a := <-r.in:
				accept(a)
			case <-tm.C:
			case <-r.stop:
				tm.Stop()
				return
			}
			tm.Stop()
			continue
		}
		// Near: take what has arrived, then sleep precisely. Packets
		// arriving meanwhile wait in the channel with their read times.
		select {
		case a := <-r.in:
			accept(a)
			continue
		default:
		}
		p := heap.Pop(&q).(pending)
		sleepUntil(p.at)
		_, err := unix.Write(r.fds[p.to], p.data)
		done := monotonic()
		if err != nil {
			select {
			case <-r.stop:
				return
			default:
			}
			// A device not up yet or a full queue: the packet is lost
			// as on a real interface; not fatal.
		}
		if p.trial != nil {
			p.trial.delivered(p.ours, p.at, done)
		}
	}
}

// Trial is the relay's record of one run: the packets of the run's
// connections as the relay read them, forwarded or dropped (its capture),
// and the relay's timing error.
type Trial struct {
	mu       sync.Mutex
	start    int64 // monotonic ns of time 0
	port     uint16
	sched    *engine.Scheduler
	links    [2]*netlink.Link[int]
	tapAt    engine.Time
	late     []int64 // ns late per delivered packet
	last     int64   // monotonic ns of the last packet of the run
	packets  []captured
	finished bool
}

// captured is one packet as read from a TUN device, for the capture.
type captured struct {
	at      int64 // monotonic ns when read
	data    []byte
	dropped bool // the link model lost it
}

func noop(engine.Time, uint64) {}

func newTrial(cfg netlink.DuplexConfig, seed uint64, port uint16, start int64) (*Trial, error) {
	t := &Trial{start: start, port: port, sched: engine.NewScheduler(), last: start}
	streams := [2]*engine.Stream{engine.NewStream(seed, netlink.ForwardComponent), engine.NewStream(seed, netlink.ReverseComponent)}
	cfgs := [2]netlink.Config{cfg.Forward, cfg.Reverse}
	for i := range t.links {
		l, err := netlink.NewLink[int](t.sched, cfgs[i], streams[i], nil)
		if err != nil {
			return nil, fmt.Errorf("relay: %w", err)
		}
		l.SetTap(func(e netlink.Event[int]) {
			if e.Kind == netlink.EventSent {
				t.tapAt = e.DeliverAt
			}
		})
		t.links[i] = l
	}
	return t, nil
}

// offer passes a packet through the model at its read time and captures
// it when it belongs to the run. It returns the delivery time, or ok false
// when the model dropped it; ours tells whether it was the run's.
func (t *Trial) offer(a arrival) (at int64, ours, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := engine.Time(max(a.at-t.start, 0))
	now = max(now, t.sched.Now())
	t.sched.At(now, noop, 0)
	t.sched.Run(engine.Limits{Horizon: now})
	t.tapAt = engine.Never
	if err := t.links[a.from].Send(0, len(a.data)); err != nil {
		// Larger than the MTU: a real interface would not carry it either.
		t.tapAt = engine.Never
	}
	if h, isTCP := parseTCP(a.data); isTCP && t.ours(h, a.from) {
		ours = true
		t.packets = append(t.packets, captured{at: a.at, data: a.data, dropped: t.tapAt == engine.Never})
		t.last = a.at
	}
	if t.tapAt == engine.Never {
		return 0, ours, false
	}
	return t.start + int64(t.tapAt), ours, true
}

// ours reports whether a packet belongs to the run: its server port is the
// run's.
func (t *Trial) ours(h tcpHeader, from results.Side) bool {
	if from == results.Client {
		return h.DstPort == t.port
	}
	return h.SrcPort == t.port
}

func (t *Trial) delivered(ours bool, due, done int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.finished {
		return
	}
	t.late = append(t.late, done-due)
	if ours {
		t.last = max(t.last, done)
	}
}

// Idle returns how long ago, in ns of CLOCK_MONOTONIC, the run's last
// packet was read or delivered.
func (t *Trial) Idle() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return time.Duration(monotonic() - t.last)
}

// Finish stops recording and returns the run's capture and the relay's
// timing error: the median and 99th percentile of how late packets were
// written compared with the model's delivery time.
func (t *Trial) Finish() (pk []captured, median, p99 time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.finished = true
	late := append([]int64(nil), t.late...)
	sort.Slice(late, func(i, j int) bool { return late[i] < late[j] })
	if n := len(late); n > 0 {
		median = time.Duration(late[(n-1)/2])
		p99 = time.Duration(late[min(n-1, n*99/100)])
	}
	return t.packets, median, p99
}

// Start returns the run's time 0 on CLOCK_MONOTONIC.
func (t *Trial) Start() int64 { return t.start }
