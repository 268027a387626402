package netlink

import (
	"strings"
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
)

func TestDuplex(t *testing.T) {
	s := engine.NewScheduler()
	seed := engine.RunSeed(1, 0, 0)
	cfg := DuplexConfig{
		Forward: cfgWith(func(c *Config) { c.Delay = 10 * time.Millisecond }),
		Reverse: cfgWith(func(c *Config) { c.Delay = 30 * time.Millisecond; c.Rate = 1_000_000 }),
	}
	var toServer, toClient []delivery
	d, err := NewDuplex(s, cfg, engine.NewStream(seed, ForwardComponent), engine.NewStream(seed, ReverseComponent),
		func(now engine.Time, p int) { toServer = append(toServer, delivery{now, p}) },
		func(now engine.Time, p int) { toClient = append(toClient, delivery{now, p}) })
	if err != nil {
		t.Fatal(err)
	}
	type tapped struct {
		dir  Direction
		kind EventKind
		at   engine.Time
	}
	var taps []tapped
	d.SetTap(func(dir Direction, e Event[int]) { taps = append(taps, tapped{dir, e.Kind, e.Time}) })
	s.At(0, func(engine.Time, uint64) {
		d.Forward.Send(1, 125)
		d.Reverse.Send(2, 125)
	}, 0)
	s.Run(engine.Limits{})
	equalDeliveries(t, toServer, []delivery{{10 * ms, 1}})
	equalDeliveries(t, toClient, []delivery{{31 * ms, 2}})
	want := []tapped{{Forward, EventSent, 0}, {Reverse, EventSent, 0}, {Forward, EventDelivered, 10 * ms}, {Reverse, EventDelivered, 31 * ms}}
	if len(taps) != len(want) {
		t.Fatalf("taps %v, want %v", taps, want)
	}
	for i := range want {
		if taps[i] != want[i] {
			t.Fatalf("taps %v, want %v", taps, want)
		}
	}
	if Forward.String() != "forward" || Reverse.String() != "reverse" {
		t.Fatal("direction names")
	}

	// Reset with a bad reverse direction changes neither direction.
	bad := cfg
	bad.Forward.Delay = time.Second
	bad.Reverse.MTU = 10
	if err := d.Reset(bad, nil, nil); err == nil || !strings.HasPrefix(err.Error(), "reverse: ") {
		t.Fatalf("Reset error %v", err)
	}
	if d.Forward.Config().Delay != 10*time.Millisecond {
		t.Fatal("forward changed by a failed Reset")
	}
	// A good Reset clears both and swaps the configurations.
	s.Reset()
	cfg.Forward, cfg.Reverse = cfg.Reverse, cfg.Forward
	if err := d.Reset(cfg, nil, nil); err != nil {
		t.Fatal(err)
	}
	if d.Forward.Counters() != (Counters{}) || d.Reverse.Counters() != (Counters{}) {
		t.Fatal("counters survive Reset")
	}
	d.SetTap(nil)
	toServer, toClient = nil, nil
	s.At(0, func(engine.Time, uint64) { d.Forward.Send(3, 125); d.Reverse.Send(4, 125) }, 0)
	s.Run(engine.Limits{})
	equalDeliveries(t, toServer, []delivery{{31 * ms, 3}})
	equalDeliveries(t, toClient, []delivery{{10 * ms, 4}})

	if _, err := NewDuplex[int](s, DuplexConfig{Forward: DefaultConfig()}, nil, nil, nil, nil); err == nil ||
		!strings.HasPrefix(err.Error(), "reverse: ") {
		t.Fatalf("NewDuplex with zero reverse config: %v", err)
	}
}

func TestDirectionsDrawIndependently(t *testing.T) {
	// Both directions with the same lossy configuration: their own streams
	// make them lose different packets.
	s := engine.NewScheduler()
	seed := engine.RunSeed(3, 1, 2)
	c := cfgWith(func(c *Config) { c.Loss = Loss{Model: LossBernoulli, P: 0.5} })
	var fwd, rev []int
	d, err := NewDuplex(s, DuplexConfig{Forward: c, Reverse: c},
		engine.NewStream(seed, ForwardComponent), engine.NewStream(seed, ReverseComponent),
		func(_ engine.Time, p int) { fwd = append(fwd, p) }, func(_ engine.Time, p int) { rev = append(rev, p) })
	if err != nil {
		t.Fatal(err)
	}
	for i := range 64 {
		d.Forward.Send(i, 100)
		d.Reverse.Send(i, 100)
	}
	s.Run(engine.Limits{})
	same := len(fwd) == len(rev)
	for i := 0; same && i < len(fwd); i++ {
		same = fwd[i] == rev[i]
	}
	if same {
		t.Fatal("both directions lost the same packets")
	}
}

func TestStringers(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{EventSent.String(), "sent"}, {EventDelivered.String(), "delivered"}, {EventDropped.String(), "dropped"},
		{EventKind(9).String(), "unknown"},
		{DropNone.String(), "none"}, {DropLoss.String(), "loss"}, {DropQueue.String(), "queue"},
		{DropReason(9).String(), "unknown"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
