package netlink

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/emu-sim/emu/engine"
)

// ErrTooLarge is wrapped by Send's error for a packet larger than the MTU.
// It marks a sender bug (a segment built larger than the path allows), which
// is why it is an error and not a silent drop.
var ErrTooLarge = errors.New("packet larger than the link MTU")

// ErrBadSize is wrapped by Send's error for a packet of zero or negative size.
var ErrBadSize = errors.New("packet size must be positive")

// slot holds one packet in flight, by value, between Send and its delivery.
type slot[T any] struct {
	p      T
	id     uint64
	sentAt engine.Time
	at     engine.Time // delivery time
	ticket uint64      // scheduler ticket taken at Send (in-order links)
	size   int
}

// Link is one direction of a link. It is generic over the packet type T and
// never inspects packets; see the package documentation for what happens to
// a packet between Send and delivery.
//
// A Link belongs to one Scheduler and, like it, is not safe for concurrent
// use.
type Link[T any] struct {
	s       *engine.Scheduler
	cfg     Config
	rng     *engine.Stream
	deliver func(now engine.Time, p T)
	tap     Tap[T]

	loss   lossGen
	jitter jitterGen

	// busyUntil is when the serialiser finishes the last accepted packet.
	busyUntil engine.Time
	// lastDelivery is the delivery time of the last accepted packet, the
	// earliest time the next one may arrive unless Reorder is set.
	lastDelivery engine.Time
	// waiting holds the serialisation start times of accepted packets that
	// had not started serialising when they were sent, oldest first. Entries
	// whose start time has passed are removed lazily at the next Send; the
	// rest are the packets waiting in the queue.
	waiting ring

	// Without Reorder, delivery times never decrease, so the packets in
	// flight form a FIFO and only its head needs an event: inflight holds
	// them and next is armed for the head with the ticket its packet took at
	// Send, which runs deliveries in exactly the order per-packet events
	// would, while the scheduler's heap holds one entry per link rather than
	// one per packet.
	inflight slotRing[T]
	next     engine.Timer

	// With Reorder, each packet has its own delivery event carrying its
	// index in slots; free lists the unused indices.
	slots []slot[T]
	free  []uint32
	// gen is stamped on per-packet delivery events, so that events of a
	// previous run left in a scheduler that was not reset are ignored rather
	// than delivering a slot that has been reused.
	gen       uint32
	onDeliver engine.Func
	counters  Counters
}

// NewLink returns a link that carries packets over s with the behaviour of
// cfg, drawing loss and jitter from rng, and hands each delivered packet to
// deliver at its delivery time. rng should be the link's own stream (for
// example engine.NewStream(runSeed, ForwardComponent)), so that its draws do
// not depend on what other components draw.
func NewLink[T any](s *engine.Scheduler, cfg Config, rng *engine.Stream, deliver func(now engine.Time, p T)) (*Link[T], error) {
	if s == nil {
		return nil, errors.New("netlink: new link: nil scheduler")
	}
	l := &Link[T]{s: s, deliver: deliver}
	l.onDeliver = l.fire
	l.next.Init(s, l.fireHead, 0)
	if err := l.Reset(cfg, rng); err != nil {
		return nil, err
	}
	return l, nil
}

// Reset prepares the link for another run with configuration cfg and stream
// rng, keeping its storage, its scheduler, its receiver and its tap. The
// packets in flight are forgotten: reset the scheduler too (their delivery
// events, if still queued, are ignored). On error the link is unchanged.
func (l *Link[T]) Reset(cfg Config, rng *engine.Stream) error {
	if err := check(cfg, rng); err != nil {
		return err
	}
	l.cfg = cfg
	l.rng = rng
	l.loss.reset(cfg.Loss)
	if rng != nil {
		l.jitter.reset(cfg.Jitter, rng)
	} else {
		l.jitter = jitterGen{dist: cfg.Jitter.Dist, fixed: engine.Time(cfg.Jitter.Value)}
	}
	l.busyUntil, l.lastDelivery = 0, 0
	l.waiting.clear()
	l.next.Stop()
	l.inflight.clear()
	clear(l.slots)
	l.slots = l.slots[:0]
	l.free = l.free[:0]
	l.gen++
	l.counters = Counters{}
	return nil
}

// check reports why cfg and rng cannot make a link.
func check(cfg Config, rng *engine.Stream) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("netlink: link config: %w", err)
	}
	if rng == nil && (cfg.Loss.Model != LossNone || cfg.Jitter.Dist != JitterNone && cfg.Jitter.Dist != JitterFixed) {
		return errors.New("netlink: link config: loss or random jitter needs a random stream")
	}
	return nil
}

// SetDeliver replaces the function that receives delivered packets, for a
// worker that reuses a link with new endpoints.
func (l *Link[T]) SetDeliver(deliver func(now engine.Time, p T)) { l.deliver = deliver }

// SetTap installs an observer of every packet event, or removes it with nil.
func (l *Link[T]) SetTap(tap Tap[T]) { l.tap = tap }

// Counters returns the link's packet counts since NewLink or Reset.
func (l *Link[T]) Counters() Counters { return l.counters }

// Config returns the link's configuration.
func (l *Link[T]) Config() Config { return l.cfg }

// SerialisationTime returns how long a packet of size bytes occupies the
// line: ceil(size*8*1e9 / Rate) ns, or 0 without a rate limit.
func (l *Link[T]) SerialisationTime(size int) engine.Time {
	return serialisation(size, l.cfg.Rate)
}

func serialisation(size int, rate int64) engine.Time {
	if rate <= 0 || size <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(size)*8, 1e9)
	if hi >= uint64(rate) {
		return engine.Never
	}
	q, r := bits.Div64(hi, lo, uint64(rate))
	if r != 0 {
		q++
	}
	if q >= uint64(engine.Never) {
		return engine.Never
	}
	return engine.Time(q)
}

// Send puts a packet of size bytes (on the wire) onto the link at the
// scheduler's current time. A lost or tail-dropped packet is not an error:
// it is counted and shown to the tap. Only a packet the link cannot carry
// at all, larger than the MTU or of no size, is an error, because it is a
// bug in the sender.
func (l *Link[T]) Send(p T, size int) error {
	if size <= 0 {
		return fmt.Errorf("netlink: send %d bytes: %w", size, ErrBadSize)
	}
	if size > l.cfg.MTU {
		return fmt.Errorf("netlink: send %d bytes over MTU %d: %w", size, l.cfg.MTU, ErrTooLarge)
	}
	now := l.s.Now()
	id := l.counters.Sent
	l.counters.Sent++

	reason := DropNone
	if l.loss.lost(l.rng) {
		reason = DropLoss
	}
	var finish engine.Time
	if reason == DropNone {
		if l.cfg.Rate > 0 {
			for l.waiting.len() > 0 && l.waiting.front() <= now {
				l.waiting.pop()
			}
			if l.waiting.len() >= l.cfg.Queue {
				reason = DropQueue
			} else {
				start := max(now, l.busyUntil)
				finish = start.Add(serialisation(size, l.cfg.Rate).Duration())
				l.busyUntil = finish
				if start > now {
					l.waiting.push(start)
				}
			}
		} else {
			finish = now
		}
	}
	if reason != DropNone {
		if reason == DropLoss {
			l.counters.DroppedLoss++
		} else {
			l.counters.DroppedQueue++
		}
		if l.tap != nil {
			l.tap(Event[T]{Kind: EventSent, ID: id, Time: now, SentAt: now, DeliverAt: engine.Never, Packet: p, Size: size})
			l.tap(Event[T]{Kind: EventDropped, Reason: reason, ID: id, Time: now, SentAt: now, DeliverAt: engine.Never, Packet: p, Size: size})
		}
		return nil
	}

	at := finish.Add(l.cfg.Delay).Add(l.jitter.draw().Duration())
	if !l.cfg.Reorder {
		at = max(at, l.lastDelivery)
	}
	l.lastDelivery = max(at, l.lastDelivery)

	l.schedule(p, id, now, at, size)
	// The tap runs once the packet is scheduled, so that a tap sending on
	// this link again cannot put its packet ahead.
	if l.tap != nil {
		l.tap(Event[T]{Kind: EventSent, ID: id, Time: now, SentAt: now, DeliverAt: at, Packet: p, Size: size})
	}
	return nil
}

// schedule puts an accepted packet in flight, due at time at.
func (l *Link[T]) schedule(p T, id uint64, now, at engine.Time, size int) {
	if !l.cfg.Reorder {
		ticket := l.s.Ticket()
		l.inflight.push(slot[T]{p: p, id: id, sentAt: now, at: at, ticket: ticket, size: size})
		if l.inflight.len() == 1 {
			l.next.SetTicket(at, ticket)
		}
		return
	}
	var i uint32
	if n := len(l.free); n > 0 {
		i = l.free[n-1]
		l.free = l.free[:n-1]
	} else {
		i = uint32(len(l.slots))
		l.slots = append(l.slots, slot[T]{})
	}
	l.slots[i] = slot[T]{p: p, id: id, sentAt: now, at: at, size: size}
	l.s.At(at, l.onDeliver, uint64(l.gen)<<32|uint64(i))
}

// fireHead delivers the oldest packet in flight of an in-order link and
// arms the timer for the next one before any callback runs, so that a tap
// or receiver may send on this link again.
func (l *Link[T]) fireHead(now engine.Time, _ uint64) {
	sl := l.inflight.pop()
	if l.inflight.len() > 0 {
		h := l.inflight.front()
		l.next.SetTicket(h.at, h.ticket)
	}
	l.delivered(now, sl.p, sl.id, sl.sentAt, sl.size)
}

// fire is the delivery event, on a link with Reorder, of the packet in slot arg (low 32 bits) of
// generation arg>>32.
func (l *Link[T]) fire(now engine.Time, arg uint64) {
	if uint32(arg>>32) != l.gen {
		return
	}
	i := uint32(arg)
	sl := &l.slots[i]
	p, id, sentAt, size := sl.p, sl.id, sl.sentAt, sl.size
	*sl = slot[T]{} // drop references held by p
	l.free = append(l.free, i)
	l.delivered(now, p, id, sentAt, size)
}

func (l *Link[T]) delivered(now engine.Time, p T, id uint64, sentAt engine.Time, size int) {
	l.counters.Delivered++
	if l.tap != nil {
		l.tap(Event[T]{Kind: EventDelivered, ID: id, Time: now, SentAt: sentAt, DeliverAt: now, Packet: p, Size: size})
	}
	if l.deliver != nil {
		l.deliver(now, p)
	}
}

// ring is a growable FIFO of times, kept across runs.
type ring struct {
	buf  []engine.Time // len is a power of two, or 0
	head int
	n    int
}

func (r *ring) len() int           { return r.n }
func (r *ring) front() engine.Time { return r.buf[r.head] }
func (r *ring) clear()             { r.head, r.n = 0, 0 }
func (r *ring) pop()               { r.head = (r.head + 1) & (len(r.buf) - 1); r.n-- }
func (r *ring) push(t engine.Time) {
	if r.n == len(r.buf) {
		nb := make([]engine.Time, max(16, 2*len(r.buf)))
		for k := range r.n {
			nb[k] = r.buf[(r.head+k)&(len(r.buf)-1)]
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = t
	r.n++
}

// slotRing is a growable FIFO of packets in flight, kept across runs.
type slotRing[T any] struct {
	buf  []slot[T] // len is a power of two, or 0
	head int
	n    int
}

func (r *slotRing[T]) len() int        { return r.n }
func (r *slotRing[T]) front() *slot[T] { return &r.buf[r.head] }

func (r *slotRing[T]) clear() {
	for k := range r.n {
		r.buf[(r.head+k)&(len(r.buf)-1)] = slot[T]{}
	}
	r.head, r.n = 0, 0
}

// pop removes the oldest packet, clearing its slot so that the ring holds no
// references to delivered packets.
func (r *slotRing[T]) pop() slot[T] {
	s := r.buf[r.head]
	r.buf[r.head] = slot[T]{}
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	return s
}

func (r *slotRing[T]) push(s slot[T]) {
	if r.n == len(r.buf) {
		nb := make([]slot[T], max(16, 2*len(r.buf)))
		for k := range r.n {
			nb[k] = r.buf[(r.head+k)&(len(r.buf)-1)]
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = s
	r.n++
}
