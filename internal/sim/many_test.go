package sim

import (
	"fmt"
	"math"
	"syscall"
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// shortConnections: a client that opens count connections every gap, sends
// 100 bytes, reads the 100-byte answer and closes first (so its side holds
// TIME_WAIT), until stop.
func shortConnections(count int, gap, stop time.Duration, host tcp.HostSettings) *Params {
	s, _ := tcp.Profile("linux")
	l := netlink.DefaultConfig()
	l.Delay = 100 * time.Microsecond
	return &Params{
		Link: netlink.DuplexConfig{Forward: l, Reverse: l},
		Client: Endpoint{TCP: s, Host: host, Do: []tcp.Op{{Kind: tcp.OpConnect}, {Kind: tcp.OpSend, Size: 100},
			{Kind: tcp.OpRead, Read: tcp.ReadBytes, Size: 100}, {Kind: tcp.OpClose}}},
		Server: Endpoint{TCP: s, Do: []tcp.Op{{Kind: tcp.OpAccept}, {Kind: tcp.OpRead, Read: tcp.ReadBytes, Size: 100},
			{Kind: tcp.OpSend, Size: 100}, {Kind: tcp.OpRead, Read: tcp.ReadEOF}, {Kind: tcp.OpClose}}},
		Connections: Connections{Count: count, Every: gap},
		StopAfter:   stop,
	}
}

// TestPortExhaustion: connections at rate r hold their client ports in
// TIME_WAIT for 60 s, so the 28232 ports of Linux's default range run out
// at 28232/r seconds, and every connect from then until the first
// TIME_WAIT expires (60–62 s after the first connection closed) fails with
// EADDRNOTAVAIL. Below 28232/60 s ≈ 470 per second nothing fails; with
// tw_reuse = 1 nothing fails either.
func TestPortExhaustion(t *testing.T) {
	const ports = 60999 - 32768 + 1
	stop := 61 * time.Second
	for _, c := range []struct {
		rate  float64 // connections per second
		reuse int
	}{{400, 0}, {500, 0}, {1000, 0}, {2000, 0}, {1000, 1}, {2000, 1}} {
		t.Run(fmt.Sprintf("%v/s tw_reuse=%d", c.rate, c.reuse), func(t *testing.T) {
			gap := time.Duration(float64(time.Second) / c.rate)
			n := int(stop/gap) + 1
			h := tcp.DefaultHostSettings()
			h.TWReuse = c.reuse
			w := NewWorker()
			if _, err := w.Run(shortConnections(n, gap, stop, h), 0, 0, 1); err != nil {
				t.Fatal(err)
			}
			st := w.Stats()
			lo, hi := 0.0, 0.0
			if c.reuse == 0 {
				exhausted := float64(ports) / c.rate // seconds
				// A port comes back when its connection's TIME_WAIT ends:
				// 60 s after it closed (about 0.3 ms after it opened),
				// rounded up by the timer wheel to a 2.048 s bucket, so
				// 60.0–62.05 s; the run stops at 61 s.
				lo = math.Max(0, (60.0003-exhausted)*c.rate)
				hi = math.Max(0, (61-exhausted)*c.rate)
			}
			if f := float64(st.ConnectionsFailed); st.Connections != n || f < lo-2 || f > hi+2+0.001*hi {
				t.Errorf("%d connections, %d failed; the port range predicts %.0f to %.0f failures", st.Connections, st.ConnectionsFailed, lo, hi)
			}
			// Every connection that got a port is classified; nearly all end
			// three-way (the client closes first, the server's FIN carries the
			// delayed ACK); the last may still be opening at the horizon.
			classified := 0
			for _, n := range st.CloseTypes {
				classified += n
			}
			if classified != st.Connections-st.ConnectionsFailed || st.CloseTypes[results.ThreeWay] < classified-2 {
				t.Errorf("close types %v for %d connections with %d failed", st.CloseTypes, st.Connections, st.ConnectionsFailed)
			}
			// With or without tw_reuse the TIME_WAITs pile up to the
			// range: reuse only takes over a TIME_WAIT port when the
			// port search reaches one, after the never-used ports.
			wantPeak := min(ports, int(60*c.rate)+1)
			if st.PeakTimeWait < wantPeak-2 || st.PeakTimeWait > ports {
				t.Errorf("peak TIME_WAIT %d, want about %d", st.PeakTimeWait, wantPeak)
			}
		})
	}
}

// TestMaxTWBuckets: beyond max_tw_buckets TIME_WAIT sockets, a closing
// connection skips TIME_WAIT, so ports never run out.
func TestMaxTWBuckets(t *testing.T) {
	h := tcp.DefaultHostSettings()
	h.MaxTWBuckets = 1000
	w := NewWorker()
	if _, err := w.Run(shortConnections(20000, time.Millisecond, 21*time.Second, h), 0, 0, 1); err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); st.PeakTimeWait != 1000 || st.ConnectionsFailed != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestFirstConnectionRecorded: in a run of many connections the record and
// its close type are those of the first connection alone.
func TestFirstConnectionRecorded(t *testing.T) {
	w := NewWorker()
	w.SetTrace(&results.Trace{}) // a run keeps its segments only for a trace
	r, err := w.Run(shortConnections(500, time.Millisecond, time.Minute, tcp.DefaultHostSettings()), 0, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if o := results.Classify(r); o.CloseType != results.ThreeWay && o.CloseType != results.FourWay {
		t.Errorf("close type %v", o.CloseType)
	}
	syns := 0
	for _, s := range r.Segments {
		if s.Flags&tcp.SYN != 0 && s.Flags&tcp.ACK == 0 {
			syns++
		}
	}
	if syns != 1 || len(r.Segments) > 12 {
		t.Errorf("%d segments with %d SYNs recorded", len(r.Segments), syns)
	}
}

// BenchmarkManyConnections runs one run of N short connections (connect,
// 100 bytes each way, close, TIME_WAIT) in two workloads:
//
//   - rate=450: 450 connections per second, just below what the port
//     range sustains without tw_reuse, so every connection succeeds;
//   - reuse: one connection a millisecond with tcp_tw_reuse = 1 and a
//     20-minute horizon, the many-connections scenario of
//     scripts/bench-many (ports are taken over from TIME_WAIT once the
//     range is used up, after about 28 s).
//
// It reports connections/s of wall time and the process's peak RSS; cost
// should grow linearly with N and memory stay bounded (TIME_WAIT holds at
// most the port range, a few hundred bytes each: TestTimeWaitBytes).
func BenchmarkManyConnections(b *testing.B) {
	reuse := tcp.DefaultHostSettings()
	reuse.TWReuse = 1
	for _, w := range []struct {
		name string
		gap  time.Duration
		host tcp.HostSettings
		stop func(n int) time.Duration
	}{
		{"rate=450", time.Second / 450, tcp.DefaultHostSettings(), func(n int) time.Duration { return time.Duration(n)*(time.Second/450) + 2*time.Minute }},
		{"reuse", time.Millisecond, reuse, func(int) time.Duration { return 20 * time.Minute }},
	} {
		for _, n := range []int{10_000, 100_000, 1_000_000} {
			b.Run(fmt.Sprintf("%s/n=%d", w.name, n), func(b *testing.B) {
				p := shortConnections(n, w.gap, w.stop(n), w.host)
				p.MaxEvents = 0
				wk := NewWorker()
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := wk.Run(p, 0, i, engine.RunSeed(1, 0, i)); err != nil {
						b.Fatal(err)
					}
					if st := wk.Stats(); st.Connections != n || st.ConnectionsFailed != 0 {
						b.Fatalf("stats %+v", st)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "conns/s")
				var ru syscall.Rusage
				if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
					b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
				}
			})
		}
	}
}

// TestConnectionsCloseTypes: the run counts every one of its connections by
// close type, and the counts depend on nothing but the seed. The server
// closes 42 ms after EOF on a 250 Hz kernel, so where each FIN falls in the
// tick decides three-way or four-way; a lossy link adds the rest.
func TestConnectionsCloseTypes(t *testing.T) {
	p := shortConnections(400, 5*time.Millisecond+123*time.Microsecond, 10*time.Minute, tcp.DefaultHostSettings())
	p.Server.Do = []tcp.Op{{Kind: tcp.OpAccept}, {Kind: tcp.OpRead, Read: tcp.ReadBytes, Size: 100}, {Kind: tcp.OpSend, Size: 100},
		{Kind: tcp.OpRead, Read: tcp.ReadEOF}, {Kind: tcp.OpSleep, Duration: 42 * time.Millisecond}, {Kind: tcp.OpClose}}
	p.Link.Forward.Loss = netlink.Loss{Model: netlink.LossBernoulli, P: 0.05}
	p.Link.Reverse.Loss = netlink.Loss{Model: netlink.LossBernoulli, P: 0.05}
	var first Stats
	for i := 0; i < 2; i++ {
		w := NewWorker()
		if _, err := w.Run(p, 0, 0, 11); err != nil {
			t.Fatal(err)
		}
		st := w.Stats()
		total, kinds := 0, 0
		for _, n := range st.CloseTypes {
			total += n
			if n > 0 {
				kinds++
			}
		}
		t.Logf("close types %v", st.CloseTypes)
		if total != st.Connections || st.Connections != 400 || kinds < 2 {
			t.Errorf("close types %v for %d connections", st.CloseTypes, st.Connections)
		}
		if i == 0 {
			first = st
		} else if st != first {
			t.Errorf("the same seed gave %+v, then %+v", first, st)
		}
	}
}
