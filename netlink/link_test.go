package netlink

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
)

type delivery struct {
	at engine.Time
	p  int
}

// harness drives one Link[int] on its own scheduler and records what comes
// out of it.
type harness struct {
	t      *testing.T
	s      *engine.Scheduler
	l      *Link[int]
	got    []delivery
	events []Event[int]
}

func newHarness(t *testing.T, cfg Config, seed uint64) *harness {
	t.Helper()
	h := &harness{t: t, s: engine.NewScheduler()}
	l, err := NewLink(h.s, cfg, engine.NewStream(seed, ForwardComponent), func(now engine.Time, p int) {
		h.got = append(h.got, delivery{now, p})
	})
	if err != nil {
		t.Fatalf("NewLink: %v", err)
	}
	l.SetTap(func(e Event[int]) { h.events = append(h.events, e) })
	h.l = l
	return h
}

// sendAt sends packet p of size bytes at virtual time at.
func (h *harness) sendAt(at engine.Time, p, size int) {
	h.s.At(at, func(engine.Time, uint64) {
		if err := h.l.Send(p, size); err != nil {
			h.t.Errorf("Send(%d, %d): %v", p, size, err)
		}
	}, 0)
}

func (h *harness) run() { h.s.Run(engine.Limits{}) }

func cfgWith(f func(c *Config)) Config {
	c := DefaultConfig()
	f(&c)
	return c
}

const ms = engine.Time(time.Millisecond)
const us = engine.Time(time.Microsecond)

func TestDeliveryTime(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		sent engine.Time
		size int
		want engine.Time
	}{
		{"no delay", cfgWith(func(c *Config) {}), 5 * ms, 100, 5 * ms},
		{"delay only", cfgWith(func(c *Config) { c.Delay = 10 * time.Millisecond }), 5 * ms, 1500, 15 * ms},
		{"rate only: 1500B at 10Mbit is 1.2ms", cfgWith(func(c *Config) { c.Rate = 10_000_000 }), 0, 1500, 1200 * us},
		{"rate and delay", cfgWith(func(c *Config) { c.Rate = 100_000_000; c.Delay = 10 * time.Millisecond }),
			3 * ms, 1500, 3*ms + 120*us + 10*ms},
		{"rate, delay and fixed jitter", cfgWith(func(c *Config) {
			c.Rate = 1_000_000
			c.Delay = 2 * time.Millisecond
			c.Jitter = Jitter{Dist: JitterFixed, Value: 300 * time.Microsecond}
		}), 1 * ms, 1000, 1*ms + 8*ms + 2*ms + 300*us},
		{"serialisation rounds up to whole ns", cfgWith(func(c *Config) { c.Rate = 3 }), 0, 1, 2_666_666_667},
		{"exact serialisation is not rounded", cfgWith(func(c *Config) { c.Rate = 8_000_000_000 }), 0, 1000, 1000},
		{"1Gbit, 68 bytes", cfgWith(func(c *Config) { c.Rate = 1_000_000_000; c.MTU = 68 }), 7, 68, 7 + 544},
		{"zero fixed jitter", cfgWith(func(c *Config) { c.Jitter = Jitter{Dist: JitterFixed}; c.Delay = 1 }), 0, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.cfg, 1)
			h.sendAt(tc.sent, 42, tc.size)
			h.run()
			if len(h.got) != 1 || h.got[0] != (delivery{tc.want, 42}) {
				t.Fatalf("delivered %v, want [{%d 42}]", h.got, tc.want)
			}
			c := h.l.Counters()
			if c != (Counters{Sent: 1, Delivered: 1}) || c.InFlight() != 0 {
				t.Fatalf("counters %+v", c)
			}
		})
	}
}

func TestSerialisationTime(t *testing.T) {
	tests := []struct {
		size int
		rate int64
		want engine.Time
	}{
		{1500, 0, 0},
		{1500, 10_000_000, 1_200_000},
		{1, 3, 2_666_666_667},
		{1, 1, 8_000_000_000},
		{1 << 40, 1, engine.Never}, // overflows int64 nanoseconds: saturates
		{9000, 1 << 62, 1},
	}
	for _, tc := range tests {
		if got := serialisation(tc.size, tc.rate); got != tc.want {
			t.Errorf("serialisation(%d, %d) = %d, want %d", tc.size, tc.rate, got, tc.want)
		}
	}
}

func TestBackToBackSpacedBySerialisation(t *testing.T) {
	// 1000 bytes at 1 Mbit/s = 8 ms on the line.
	cfg := cfgWith(func(c *Config) { c.Rate = 1_000_000; c.Delay = 5 * time.Millisecond })
	h := newHarness(t, cfg, 1)
	for i := range 5 {
		h.sendAt(0, i, 1000)
	}
	// A packet sent while the line is busy starts when it frees, and one sent
	// after it has gone idle starts at once.
	h.sendAt(100*ms, 5, 1000)
	h.sendAt(101*ms, 6, 500)
	h.run()
	want := []delivery{{13 * ms, 0}, {21 * ms, 1}, {29 * ms, 2}, {37 * ms, 3}, {45 * ms, 4},
		{113 * ms, 5}, {(108 + 4 + 5) * ms, 6}}
	equalDeliveries(t, h.got, want)
}

func equalDeliveries(t *testing.T, got, want []delivery) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d deliveries %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("delivery %d: got %v, want %v\n got %v\nwant %v", i, got[i], want[i], got, want)
		}
	}
}

func TestQueueOverflow(t *testing.T) {
	tests := []struct {
		name      string
		queue     int
		burst     int
		delivered int
	}{
		// The packet on the line does not count: queue+1 packets get through.
		{"queue 1", 1, 10, 2},
		{"queue 3", 3, 10, 4},
		{"queue fits burst", 9, 10, 10},
		{"queue larger than burst", 100, 10, 10},
		{"large queue ring growth", 1000, 1500, 1001},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cfgWith(func(c *Config) { c.Rate = 1_000_000; c.Queue = tc.queue })
			h := newHarness(t, cfg, 1)
			for i := range tc.burst {
				h.sendAt(0, i, 125) // 1 ms each
			}
			h.run()
			var want []delivery
			for i := range tc.delivered {
				want = append(want, delivery{engine.Time(i+1) * ms, i})
			}
			equalDeliveries(t, h.got, want)
			wantC := Counters{Sent: uint64(tc.burst), Delivered: uint64(tc.delivered), DroppedQueue: uint64(tc.burst - tc.delivered)}
			if c := h.l.Counters(); c != wantC {
				t.Fatalf("counters %+v, want %+v", c, wantC)
			}
			// The tap names exactly the packets beyond the queue as queue drops.
			var dropped []uint64
			for _, e := range h.events {
				if e.Kind == EventDropped {
					if e.Reason != DropQueue || e.Time != 0 {
						t.Fatalf("drop event %+v", e)
					}
					dropped = append(dropped, e.ID)
				}
			}
			for k, id := range dropped {
				if id != uint64(tc.delivered+k) {
					t.Fatalf("dropped IDs %v, want %d..%d", dropped, tc.delivered, tc.burst-1)
				}
			}
		})
	}
}

func TestQueueDrainsOverTime(t *testing.T) {
	// Queue of 1, 1 ms per packet. At 0: A on the line, B waits, C dropped.
	// At 1 ms exactly B starts (no longer waiting), so D may wait and E drops.
	// At 2.5 ms D is on the line and the queue is empty again: F waits.
	cfg := cfgWith(func(c *Config) { c.Rate = 1_000_000; c.Queue = 1 })
	h := newHarness(t, cfg, 1)
	for i, at := range []engine.Time{0, 0, 0, 1 * ms, 1 * ms, 2500 * us} {
		h.sendAt(at, i, 125)
	}
	h.run()
	equalDeliveries(t, h.got, []delivery{{1 * ms, 0}, {2 * ms, 1}, {3 * ms, 3}, {4 * ms, 5}})
	if c := h.l.Counters(); c != (Counters{Sent: 6, Delivered: 4, DroppedQueue: 2}) {
		t.Fatalf("counters %+v", c)
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		size int
		want error
	}{
		{1501, ErrTooLarge},
		{1 << 30, ErrTooLarge},
		{0, ErrBadSize},
		{-1, ErrBadSize},
		{1500, nil},
		{1, nil},
	}
	for _, tc := range tests {
		s := engine.NewScheduler()
		l, err := NewLink[int](s, DefaultConfig(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = l.Send(1, tc.size)
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("Send(size %d) = %v, want %v", tc.size, err, tc.want)
		}
		wantSent := uint64(0)
		if tc.want == nil {
			wantSent = 1
		}
		if l.Counters().Sent != wantSent || s.Pending() != int(wantSent) {
			t.Errorf("size %d: counters %+v, pending %d", tc.size, l.Counters(), s.Pending())
		}
		if tc.want == ErrTooLarge && !strings.Contains(err.Error(), "MTU 1500") {
			t.Errorf("error %q does not name the MTU", err)
		}
	}
}

func TestNewLinkRejectsBadConfig(t *testing.T) {
	s := engine.NewScheduler()
	rng := engine.NewStream(1, ForwardComponent)
	tests := []struct {
		name string
		cfg  Config
		rng  *engine.Stream
		want string
	}{
		{"negative delay", cfgWith(func(c *Config) { c.Delay = -1 }), rng, "delay"},
		{"loss above 1", cfgWith(func(c *Config) { c.Loss = Loss{Model: LossBernoulli, P: 1.5} }), rng, "probability"},
		{"zero queue", cfgWith(func(c *Config) { c.Queue = 0 }), rng, "queue"},
		{"loss without stream", cfgWith(func(c *Config) { c.Loss = Loss{Model: LossBernoulli, P: 0.1} }), nil, "random stream"},
		{"uniform jitter without stream", cfgWith(func(c *Config) { c.Jitter = Jitter{Dist: JitterUniform, Max: 1} }), nil, "random stream"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewLink[int](s, tc.cfg, tc.rng, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "netlink: link config: ") {
				t.Fatalf("err %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	if _, err := NewLink[int](nil, DefaultConfig(), nil, nil); err == nil {
		t.Fatal("nil scheduler accepted")
	}
	// A failed Reset leaves the link as it was.
	l, _ := NewLink[int](s, cfgWith(func(c *Config) { c.Delay = 7 }), nil, nil)
	if err := l.Reset(cfgWith(func(c *Config) { c.MTU = 1 }), nil); err == nil || l.Config().Delay != 7 {
		t.Fatalf("bad Reset: err %v, config %+v", err, l.Config())
	}
}

// jittery is a link whose uniform jitter (0-10 ms) is much larger than the
// spacing of its packets (100 µs), so that it would reorder them if allowed.
func jittery(reorder bool) Config {
	return cfgWith(func(c *Config) {
		c.Delay = time.Millisecond
		c.Jitter = Jitter{Dist: JitterUniform, Max: 10 * time.Millisecond}
		c.Reorder = reorder
	})
}

func TestReordering(t *testing.T) {
	const n = 2000
	run := func(reorder bool) *harness {
		h := newHarness(t, jittery(reorder), 7)
		for i := range n {
			h.sendAt(engine.Time(i)*100*us, i, 100)
		}
		h.run()
		if len(h.got) != n {
			t.Fatalf("delivered %d of %d", len(h.got), n)
		}
		return h
	}
	free := run(true)
	inOrder := run(false)

	// With Reorder, each packet arrives at its own time: the sorted delivery
	// list has inversions.
	own := make([]engine.Time, n)
	for _, e := range free.events {
		if e.Kind == EventSent {
			own[e.ID] = e.DeliverAt
			if j := e.DeliverAt - e.SentAt; j < 1*ms || j > 11*ms {
				t.Fatalf("packet %d: delay %v outside [1ms, 11ms]", e.ID, j)
			}
		}
	}
	inversions := 0
	for i := 1; i < n; i++ {
		if free.got[i].p < free.got[i-1].p {
			inversions++
		}
	}
	if inversions == 0 {
		t.Fatal("Reorder: true never reordered")
	}
	for _, d := range free.got {
		if d.at != own[d.p] {
			t.Fatalf("packet %d delivered at %v, drawn %v", d.p, d.at, own[d.p])
		}
	}

	// Without Reorder the same draws (same stream, same draw order) are
	// raised to the previous delivery: packet i arrives at max(own[0..i]).
	var want []delivery
	latest := engine.Time(0)
	for i := range n {
		latest = max(latest, own[i])
		want = append(want, delivery{latest, i})
	}
	equalDeliveries(t, inOrder.got, want)
}

func TestTapSeesEveryEvent(t *testing.T) {
	// Queue 1 at 1 ms per 125-byte packet, 2 ms delay; packet 2 is dropped by
	// the queue. Then the loss model is made to lose everything.
	cfg := cfgWith(func(c *Config) { c.Rate = 1_000_000; c.Queue = 1; c.Delay = 2 * time.Millisecond })
	h := newHarness(t, cfg, 1)
	h.sendAt(0, 10, 125)
	h.sendAt(0, 11, 125)
	h.sendAt(0, 12, 125)
	h.run()
	N := engine.Never
	want := []Event[int]{
		{Kind: EventSent, ID: 0, Time: 0, SentAt: 0, DeliverAt: 3 * ms, Packet: 10, Size: 125},
		{Kind: EventSent, ID: 1, Time: 0, SentAt: 0, DeliverAt: 4 * ms, Packet: 11, Size: 125},
		{Kind: EventSent, ID: 2, Time: 0, SentAt: 0, DeliverAt: N, Packet: 12, Size: 125},
		{Kind: EventDropped, Reason: DropQueue, ID: 2, Time: 0, SentAt: 0, DeliverAt: N, Packet: 12, Size: 125},
		{Kind: EventDelivered, ID: 0, Time: 3 * ms, SentAt: 0, DeliverAt: 3 * ms, Packet: 10, Size: 125},
		{Kind: EventDelivered, ID: 1, Time: 4 * ms, SentAt: 0, DeliverAt: 4 * ms, Packet: 11, Size: 125},
	}
	equalEvents(t, h.events, want)

	lossy := cfgWith(func(c *Config) { c.Loss = Loss{Model: LossBernoulli, P: 1} })
	h = newHarness(t, lossy, 1)
	h.sendAt(5*ms, 1, 100)
	h.run()
	equalEvents(t, h.events, []Event[int]{
		{Kind: EventSent, ID: 0, Time: 5 * ms, SentAt: 5 * ms, DeliverAt: N, Packet: 1, Size: 100},
		{Kind: EventDropped, Reason: DropLoss, ID: 0, Time: 5 * ms, SentAt: 5 * ms, DeliverAt: N, Packet: 1, Size: 100},
	})
	if c := h.l.Counters(); c != (Counters{Sent: 1, DroppedLoss: 1}) {
		t.Fatalf("counters %+v", c)
	}

	// Removing the tap stops the events.
	h.l.SetTap(nil)
	h.sendAt(6*ms, 2, 100)
	h.run()
	if len(h.events) != 2 {
		t.Fatalf("%d events after removing the tap", len(h.events))
	}
}

func equalEvents(t *testing.T, got, want []Event[int]) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d:\n got %+v\nwant %+v", len(got), len(want), got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestTapAccountsForEveryPacket(t *testing.T) {
	cfg := cfgWith(func(c *Config) {
		c.Rate = 10_000_000
		c.Queue = 5
		c.Delay = 3 * time.Millisecond
		c.Jitter = Jitter{Dist: JitterExponential, Mean: time.Millisecond}
		c.Loss = Loss{Model: LossBernoulli, P: 0.2}
	})
	h := newHarness(t, cfg, 3)
	for i := range 5000 {
		h.sendAt(engine.Time(i)*100*us, i, 1000) // 0.8 ms each, every 0.1 ms: the queue overflows
	}
	h.run()
	type fate struct {
		sent, end   *Event[int]
		nSent, nEnd int
	}
	fates := map[uint64]*fate{}
	var kinds [3]uint64
	var reasons [3]uint64
	for i := range h.events {
		e := &h.events[i]
		f := fates[e.ID]
		if f == nil {
			f = &fate{}
			fates[e.ID] = f
		}
		kinds[e.Kind]++
		if e.Kind == EventSent {
			if f.nEnd > 0 {
				t.Fatalf("packet %d: event before its send", e.ID)
			}
			f.sent = e
			f.nSent++
			continue
		}
		reasons[e.Reason]++
		f.end = e
		f.nEnd++
		if e.Kind == EventDropped && (e.Time != f.sent.Time || e.Reason == DropNone) {
			t.Fatalf("drop %+v of %+v", e, f.sent)
		}
		if e.Kind == EventDelivered && (e.Time != f.sent.DeliverAt || e.SentAt != f.sent.Time || e.Reason != DropNone) {
			t.Fatalf("delivery %+v of %+v", e, f.sent)
		}
	}
	for id, f := range fates {
		if f.nSent != 1 || f.nEnd != 1 || f.sent.Packet != int(id) {
			t.Fatalf("packet %d: %d sends, %d ends", id, f.nSent, f.nEnd)
		}
	}
	c := h.l.Counters()
	if c.Sent != 5000 || kinds[EventSent] != c.Sent || kinds[EventDelivered] != c.Delivered ||
		reasons[DropLoss] != c.DroppedLoss || reasons[DropQueue] != c.DroppedQueue || c.InFlight() != 0 ||
		c.DroppedLoss == 0 || c.DroppedQueue == 0 || uint64(len(h.got)) != c.Delivered {
		t.Fatalf("counters %+v, tap kinds %v reasons %v", c, kinds, reasons)
	}
}

func TestSameSeedSameFate(t *testing.T) {
	cfg := cfgWith(func(c *Config) {
		c.Delay = 3 * time.Millisecond
		c.Jitter = Jitter{Dist: JitterNormal, Mean: time.Millisecond, Stddev: time.Millisecond}
		c.Loss = Loss{Model: LossGilbertElliott, P: 0.05, R: 0.3, BadLoss: 0.8, GoodLoss: 0.01}
		c.Reorder = true
	})
	run := func(seed uint64, component string) []Event[int] {
		s := engine.NewScheduler()
		l, err := NewLink[int](s, cfg, engine.NewStream(seed, component), nil)
		if err != nil {
			t.Fatal(err)
		}
		var ev []Event[int]
		l.SetTap(func(e Event[int]) { ev = append(ev, e) })
		for i := range 3000 {
			s.At(engine.Time(i)*us, func(engine.Time, uint64) { l.Send(i, 500) }, 0)
		}
		s.Run(engine.Limits{})
		return ev
	}
	a, b := run(11, ForwardComponent), run(11, ForwardComponent)
	equalEvents(t, a, b)

	drops := func(ev []Event[int]) map[uint64]bool {
		m := map[uint64]bool{}
		for _, e := range ev {
			if e.Kind == EventDropped {
				m[e.ID] = true
			}
		}
		return m
	}
	base := drops(a)
	if len(base) == 0 {
		t.Fatal("no drops")
	}
	for _, o := range []struct {
		seed uint64
		comp string
	}{{11, ReverseComponent}, {12, ForwardComponent}} {
		other := drops(run(o.seed, o.comp))
		same := len(other) == len(base)
		for id := range base {
			if !other[id] {
				same = false
			}
		}
		if same {
			t.Fatalf("stream (%d, %s) dropped the same packets", o.seed, o.comp)
		}
	}
}

func TestResetReusesLink(t *testing.T) {
	cfg := jittery(false)
	cfg.Loss = Loss{Model: LossBernoulli, P: 0.1}
	s := engine.NewScheduler()
	rng := engine.NewStream(5, ForwardComponent)
	var got []delivery
	l, err := NewLink(s, cfg, rng, func(now engine.Time, p int) { got = append(got, delivery{now, p}) })
	if err != nil {
		t.Fatal(err)
	}
	var first []delivery
	send := func(engine.Time, uint64) {
		for i := range 200 {
			l.Send(i, 100)
		}
	}
	for run := range 3 {
		s.Reset()
		rng.Reseed(5, ForwardComponent)
		if err := l.Reset(cfg, rng); err != nil {
			t.Fatal(err)
		}
		got = got[:0]
		s.At(0, send, 0)
		s.Run(engine.Limits{})
		if run == 0 {
			first = append([]delivery(nil), got...)
			continue
		}
		equalDeliveries(t, got, first)
		if l.Counters().Sent != 200 {
			t.Fatalf("counters not reset: %+v", l.Counters())
		}
	}
	// A reset run allocates nothing once the pool has grown.
	allocs := testing.AllocsPerRun(5, func() {
		s.Reset()
		rng.Reseed(5, ForwardComponent)
		l.Reset(cfg, rng)
		got = got[:0]
		s.At(0, send, 0)
		s.Run(engine.Limits{})
	})
	if allocs != 0 {
		t.Fatalf("a reused run allocated %v times", allocs)
	}
	// Resetting the link but not the scheduler: old delivery events are ignored.
	s.Reset()
	s.At(0, send, 0)
	s.Run(engine.Limits{Horizon: 1})
	l.Reset(cfg, rng)
	got = got[:0]
	s.Run(engine.Limits{})
	if len(got) != 0 || l.Counters() != (Counters{}) {
		t.Fatalf("stale events delivered %d packets, counters %+v", len(got), l.Counters())
	}
}

func TestNoAllocationPerPacket(t *testing.T) {
	jitters := []Jitter{
		{},
		{Dist: JitterFixed, Value: time.Millisecond},
		{Dist: JitterUniform, Min: time.Millisecond, Max: 2 * time.Millisecond},
		{Dist: JitterNormal, Mean: time.Millisecond, Stddev: time.Millisecond},
		{Dist: JitterExponential, Mean: time.Millisecond},
		{Dist: JitterPareto, Scale: time.Millisecond, Shape: 2.5},
	}
	type pkt struct {
		seq, ack uint32
		payload  []byte
	}
	for _, j := range jitters {
		t.Run(string(j.Dist), func(t *testing.T) {
			cfg := cfgWith(func(c *Config) {
				c.Delay = time.Millisecond
				c.Jitter = j
				c.Rate = 1_000_000_000
				c.Loss = Loss{Model: LossGilbertElliott, P: 0.01, R: 0.5, BadLoss: 1}
			})
			s := engine.NewScheduler()
			n := 0
			l, err := NewLink(s, cfg, engine.NewStream(1, ForwardComponent), func(engine.Time, pkt) { n++ })
			if err != nil {
				t.Fatal(err)
			}
			taps := 0
			l.SetTap(func(e Event[pkt]) { taps++ })
			payload := make([]byte, 100)
			step := func() {
				for range 10 {
					l.Send(pkt{1, 2, payload}, 1500)
				}
				s.Run(engine.Limits{Horizon: s.Now() + 100*ms})
			}
			for range 100 { // grow the pool and heap to their high-water marks
				step()
			}
			if allocs := testing.AllocsPerRun(100, step); allocs != 0 {
				t.Fatalf("%v allocations per 10 packets", allocs)
			}
			if n == 0 || taps == 0 {
				t.Fatal("nothing delivered")
			}
		})
	}
}

func TestInOrderDeliveryMatchesPerPacketEvents(t *testing.T) {
	// An in-order link holds one scheduler entry however many packets are in
	// flight, yet same-instant deliveries interleave with other events
	// exactly as per-packet events (the Reorder path) would. With a fixed
	// jitter nothing can overtake, so both modes must give the same log.
	type logged struct {
		at   engine.Time
		what int
	}
	run := func(reorder bool) ([]logged, int) {
		cfg := cfgWith(func(c *Config) {
			c.Delay = 10 * time.Microsecond
			c.Rate = 80_000_000 // 100 bytes in 10 µs
			c.Jitter = Jitter{Dist: JitterFixed, Value: 5000}
			c.Reorder = reorder
		})
		s := engine.NewScheduler()
		var log []logged
		l, err := NewLink(s, cfg, nil, func(now engine.Time, p int) { log = append(log, logged{now, p}) })
		if err != nil {
			t.Fatal(err)
		}
		other := func(now engine.Time, arg uint64) { log = append(log, logged{now, -int(arg)}) }
		rng := engine.NewStream(2, "test.workload")
		maxPending := 0
		for i := range 3000 {
			at := engine.Time(i/3) * 5 * us
			s.At(at, func(now engine.Time, _ uint64) {
				size := 50 + 50*rng.IntN(2)
				l.Send(i, size)
				// Other events landing on likely delivery instants.
				s.At(now+engine.Time(rng.IntN(4))*5*us+15*us, other, uint64(i))
				maxPending = max(maxPending, s.Pending())
			}, 0)
		}
		s.Run(engine.Limits{})
		return log, maxPending
	}
	perPacket, _ := run(true)
	fifo, pending := run(false)
	// The line is overloaded, so the queue drops some packets: the same ones.
	if len(fifo) != len(perPacket) || len(fifo) <= 3000 || len(fifo) >= 6000 {
		t.Fatalf("logs of %d and %d entries", len(fifo), len(perPacket))
	}
	for i := range fifo {
		if fifo[i] != perPacket[i] {
			t.Fatalf("entry %d: in-order %v, per-packet %v", i, fifo[i], perPacket[i])
		}
	}
	// The in-order link adds one entry to the queue, not one per packet in
	// flight.
	_, pendingPerPacket := run(true)
	if pending >= pendingPerPacket {
		t.Fatalf("in-order link kept %d pending events, per-packet %d", pending, pendingPerPacket)
	}
}

func TestInOrderLinkHoldsOneSchedulerEntry(t *testing.T) {
	cfg := cfgWith(func(c *Config) { c.Delay = time.Second })
	h := newHarness(t, cfg, 1)
	for i := range 500 {
		h.l.Send(i, 100)
	}
	if h.s.Pending() != 1 || h.l.Counters().InFlight() != 500 {
		t.Fatalf("pending %d, in flight %d", h.s.Pending(), h.l.Counters().InFlight())
	}
	h.run()
	if len(h.got) != 500 || h.s.Pending() != 0 {
		t.Fatalf("delivered %d, pending %d", len(h.got), h.s.Pending())
	}
}

func TestReceiverMaySendOnSameLink(t *testing.T) {
	// A receiver that answers on the same link (a loopback) re-enters Send
	// from inside a delivery.
	for _, reorder := range []bool{false, true} {
		cfg := cfgWith(func(c *Config) { c.Delay = time.Millisecond; c.Reorder = reorder })
		s := engine.NewScheduler()
		var got []delivery
		var l *Link[int]
		l, err := NewLink(s, cfg, nil, func(now engine.Time, p int) {
			got = append(got, delivery{now, p})
			if p < 3 {
				l.Send(p+10, 100)
				l.Send(p+1, 100)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		s.At(0, func(engine.Time, uint64) { l.Send(0, 100) }, 0)
		s.Run(engine.Limits{})
		equalDeliveries(t, got, []delivery{{1 * ms, 0}, {2 * ms, 10}, {2 * ms, 1}, {3 * ms, 11}, {3 * ms, 2}, {4 * ms, 12}, {4 * ms, 3}})
	}
}
