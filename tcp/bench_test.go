package tcp

import (
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/netlink"
)

// BenchmarkConnectionLifecycle runs whole connections one after another on
// one engine and one pair of hosts: handshake, 100 bytes each way, close, and
// TIME_WAIT until it expires, over a 25 µs link. One op is one lifecycle.
func BenchmarkConnectionLifecycle(b *testing.B) {
	sched := engine.NewScheduler()
	var client, server *Host
	cfg := netlink.DefaultConfig()
	cfg.Delay = 25 * time.Microsecond
	link, err := netlink.NewDuplex(sched, netlink.DuplexConfig{Forward: cfg, Reverse: cfg}, nil, nil,
		func(_ engine.Time, s Segment) { server.Input(&s) },
		func(_ engine.Time, s Segment) { client.Input(&s) })
	if err != nil {
		b.Fatal(err)
	}
	s := linux()
	client = NewHost("client", sched, engine.NewStream(1, "client"), 0, func(_ *Endpoint, seg *Segment, _ bool) { _ = link.Forward.Send(*seg, seg.WireSize()) }, nil)
	server = NewHost("server", sched, engine.NewStream(1, "server"), 0, func(_ *Endpoint, seg *Segment, _ bool) { _ = link.Reverse.Send(*seg, seg.WireSize()) }, nil)
	clientOps := ops(opConnect, opSend(100), opRead(100), opClose)
	serverOps := ops(opAccept, opRead(100), opSend(100), opReadEOF, opClose)
	lis, err := server.Listen(80, s)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sp := &Process{host: server, ops: serverOps, port: 80, settings: lis.settings, lis: lis}
		sp.timer.Init(sched, sp.onTimer, 0)
		sp.resume = sp.step
		sched.At(sched.Now(), sp.resume, 0)
		cp, _ := client.Spawn(80, s, clientOps)
		sched.Run(engine.Limits{})
		if cp.Endpoint().State() != Closed || sp.Endpoint().State() != Closed || cp.FirstError() != ErrNone {
			b.Fatalf("lifecycle %d ended in %v/%v", i, cp.Endpoint().State(), sp.Endpoint().State())
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lifecycles/s")
}
