package netlink

import (
	"fmt"

	"github.com/emu-sim/emu/engine"
)

// Stream component names of the two directions of a scenario's link, for
// engine.NewStream. Giving each direction its own stream keeps the forward
// direction's losses the same when only the reverse direction's settings
// change.
const (
	ForwardComponent = "link.forward"
	ReverseComponent = "link.reverse"
)

// Duplex is a link in both directions. Forward carries the client's packets
// to the server and Reverse the server's to the client; the two may be
// configured differently and each has its own random stream.
type Duplex[T any] struct {
	Forward *Link[T]
	Reverse *Link[T]
}

// NewDuplex returns both directions of a link over s. toServer receives the
// packets delivered by Forward and toClient those delivered by Reverse;
// fwd and rev are the two directions' streams (conventionally named
// ForwardComponent and ReverseComponent).
func NewDuplex[T any](s *engine.Scheduler, cfg DuplexConfig, fwd, rev *engine.Stream,
	toServer, toClient func(now engine.Time, p T)) (*Duplex[T], error) {
	f, err := NewLink(s, cfg.Forward, fwd, toServer)
	if err != nil {
		return nil, fmt.Errorf("forward: %w", err)
	}
	r, err := NewLink(s, cfg.Reverse, rev, toClient)
	if err != nil {
		return nil, fmt.Errorf("reverse: %w", err)
	}
	return &Duplex[T]{Forward: f, Reverse: r}, nil
}

// Reset prepares both directions for another run without allocating (see
// Link.Reset). Both configurations are checked before either direction is
// changed, so on error the duplex is unchanged.
func (d *Duplex[T]) Reset(cfg DuplexConfig, fwd, rev *engine.Stream) error {
	if err := check(cfg.Forward, fwd); err != nil {
		return fmt.Errorf("forward: %w", err)
	}
	if err := check(cfg.Reverse, rev); err != nil {
		return fmt.Errorf("reverse: %w", err)
	}
	if err := d.Forward.Reset(cfg.Forward, fwd); err != nil {
		return fmt.Errorf("forward: %w", err)
	}
	if err := d.Reverse.Reset(cfg.Reverse, rev); err != nil {
		return fmt.Errorf("reverse: %w", err)
	}
	return nil
}

// SetTap installs one observer on both directions; dir tells it which
// direction an event belongs to.
func (d *Duplex[T]) SetTap(tap func(dir Direction, e Event[T])) {
	if tap == nil {
		d.Forward.SetTap(nil)
		d.Reverse.SetTap(nil)
		return
	}
	d.Forward.SetTap(func(e Event[T]) { tap(Forward, e) })
	d.Reverse.SetTap(func(e Event[T]) { tap(Reverse, e) })
}

// Direction names one direction of a Duplex.
type Direction uint8

// Directions of a Duplex.
const (
	Forward Direction = iota // client to server
	Reverse                  // server to client
)

// String names the direction as traces print it.
func (d Direction) String() string {
	if d == Forward {
		return "forward"
	}
	return "reverse"
}
