package netlink

import "github.com/emu-sim/emu/engine"

// EventKind says what happened to a packet in a tap event.
type EventKind uint8

// Event kinds. Every Send produces one EventSent, followed by either one
// EventDropped at the same instant or, later, one EventDelivered (unless the
// run ends first).
const (
	EventSent EventKind = iota
	EventDelivered
	EventDropped
)

// String names the kind as traces print it.
func (k EventKind) String() string {
	switch k {
	case EventSent:
		return "sent"
	case EventDelivered:
		return "delivered"
	case EventDropped:
		return "dropped"
	}
	return "unknown"
}

// DropReason says why a packet was dropped.
type DropReason uint8

// Drop reasons.
const (
	DropNone  DropReason = iota // not dropped
	DropLoss                    // chosen by the loss model
	DropQueue                   // the queue in front of the serialiser was full
)

// String names the reason as traces and tap output print it.
func (r DropReason) String() string {
	switch r {
	case DropNone:
		return "none"
	case DropLoss:
		return "loss"
	case DropQueue:
		return "queue"
	}
	return "unknown"
}

// Event is what a tap sees of one packet event. It is passed by value and
// holds the packet by value, so tapping a link allocates nothing.
type Event[T any] struct {
	Kind   EventKind
	Reason DropReason // for EventDropped
	// ID numbers the packets sent on this link since NewLink or Reset, from
	// 0, so that a tap can pair a delivery or drop with its send.
	ID uint64
	// Time is when the event happened: the send, the drop (the same instant
	// as the send) or the delivery.
	Time engine.Time
	// SentAt is when the packet was sent.
	SentAt engine.Time
	// DeliverAt is when the packet is (or was) due at the far end; Never for
	// a dropped packet. Known already at EventSent, which lets a trace draw
	// the packet's line at once.
	DeliverAt engine.Time
	Packet    T
	Size      int // bytes on the wire
}

// Tap observes every packet event of a link, for traces, pcap files and
// tests. It runs synchronously inside Send and inside the delivery event,
// before the packet is handed to the receiver; it must not keep pointers into
// the event beyond the call.
type Tap[T any] func(e Event[T])

// Counters count a link's packets since NewLink or Reset. Sent = Delivered +
// DroppedLoss + DroppedQueue + the packets still in flight.
type Counters struct {
	Sent         uint64
	Delivered    uint64
	DroppedLoss  uint64
	DroppedQueue uint64
}

// InFlight returns the packets sent and neither delivered nor dropped yet.
func (c Counters) InFlight() uint64 {
	return c.Sent - c.Delivered - c.DroppedLoss - c.DroppedQueue
}
