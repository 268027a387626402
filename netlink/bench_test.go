package netlink

import (
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
)

// benchPacket is a TCP-segment-sized value carried by value through the link.
type benchPacket struct {
	seq, ack uint32
	flags    uint8
	length   uint16
	conn     uint32
}

// forwarder drives BenchmarkLinkForward: a sender event every microsecond
// puts one packet on the link until it has sent n.
type forwarder struct {
	s         *engine.Scheduler
	l         *Link[benchPacket]
	n, sent   int
	delivered int
	next      engine.Func
}

func (f *forwarder) send(now engine.Time, _ uint64) {
	f.l.Send(benchPacket{seq: uint32(f.sent), length: 1448}, 1500)
	f.sent++
	if f.sent < f.n {
		f.s.At(now+engine.Time(time.Microsecond), f.next, 0)
	}
}

func (f *forwarder) receive(engine.Time, benchPacket) { f.delivered++ }

// BenchmarkLinkForward pushes packets through a link with delay, jitter,
// loss and a rate limit, driven through the scheduler; one op is one packet
// sent (and, unless lost, delivered).
func BenchmarkLinkForward(b *testing.B) { benchLinkForward(b, false) }

// BenchmarkLinkForwardReorder is BenchmarkLinkForward with Reorder set, where
// every packet in flight has its own scheduler event.
func BenchmarkLinkForwardReorder(b *testing.B) { benchLinkForward(b, true) }

func benchLinkForward(b *testing.B, reorder bool) {
	cfg := DefaultConfig()
	cfg.Reorder = reorder
	cfg.Delay = time.Millisecond
	cfg.Jitter = Jitter{Dist: JitterUniform, Max: 100 * time.Microsecond}
	cfg.Loss = Loss{Model: LossBernoulli, P: 0.01}
	cfg.Rate = 100_000_000_000 // 120 ns per 1500-byte packet
	s := engine.NewScheduler()
	f := &forwarder{s: s, n: b.N}
	f.next = f.send
	l, err := NewLink(s, cfg, engine.NewStream(1, ForwardComponent), f.receive)
	if err != nil {
		b.Fatal(err)
	}
	f.l = l
	b.ReportAllocs()
	b.ResetTimer()
	s.At(0, f.next, 0)
	s.Run(engine.Limits{})
	b.StopTimer()
	c := l.Counters()
	if c.Sent != uint64(b.N) || c.Delivered+c.DroppedLoss+c.DroppedQueue != c.Sent || int(c.Delivered) != f.delivered {
		b.Fatalf("counters %+v, delivered %d", c, f.delivered)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}
