package tcp

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
)

// tlpLinux is Linux at HZ=250 with its tail loss probe, without late
// timers so that the expected window is exact.
func tlpLinux() Settings {
	return linux(func(s *Settings) { s.HZ = 250; s.TimerLateProb = 0; s.TailLossProbe = true })
}

// sentAt returns the times of the client's segments whose line contains
// what, as p records them.
func sentAt(p *pair, what string) []engine.Time {
	var out []engine.Time
	for _, l := range p.lines {
		if strings.Contains(l, "C>S ") && strings.Contains(l, what) {
			var ms float64
			fmt.Sscanf(l, "%f", &ms)
			out = append(out, engine.Time(ms*1e6))
		}
	}
	return out
}

// TestLossProbeLoneFIN: measured on Linux 6.18 through a userspace link of
// 10 ms each way (RTT 20.2 ms): a lone lost FIN was sent again 244–248 ms
// after the first, and the kernel counted it as a tail loss probe. The
// data before it was ACKed one RTT after it left, which re-armed the probe:
// with one segment (the FIN) in flight the probe waits 2 srtt + rto_min =
// 240.4 ms, but never longer than the RTO would (srtt + rto_min = 220.2
// ms), and a 250 Hz timer fires on the tick after 56 ticks: 224–228 ms
// after that ACK, 244.2–248.2 ms after the FIN.
func TestLossProbeLoneFIN(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		s := tlpLinux()
		p := newPair(t, 10100*time.Microsecond, s, s, seed)
		p.drop = func(side string, n int, seg *Segment) bool {
			return side == "client" && seg.Flags&FIN != 0 && n == 3 // the first FIN
		}
		p.run(ops(opConnect, opSend(100), opClose), ops(opAccept, opReadEOF, opSleep(time.Second), opClose), s, s, time.Minute)
		fins := sentAt(p, "FIN")
		if len(fins) < 2 {
			t.Fatalf("seed %d: FIN sent %d times:\n%s", seed, len(fins), joinLines(p.lines))
		}
		if d := fins[1].Sub(fins[0]); d < 244200*time.Microsecond || d > 248200*time.Microsecond {
			t.Errorf("seed %d: FIN sent again %v after the first, want 244.2–248.2 ms", seed, d)
		}
	}
}

// TestLossProbeFINBehindData: the last data segment and the FIN are both
// lost. With two segments in flight the probe waits 2 srtt + 2 ticks
// (48.4 ms, 13 ticks, firing 52–56 ms after the FIN left) and sends the
// FIN again; it reaches the server out of order, the server ACKs at once
// (its SACK shows the hole), and on that ACK the client sends the data
// again one RTT after the probe. The data fills the hole, the server ACKs
// data and FIN at once, before its application can close: four-way.
// Without the probe the client waits for the RTO (220 ms and more).
func TestLossProbeFINBehindData(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		s := tlpLinux()
		p := newPair(t, 10100*time.Microsecond, s, s, seed)
		p.drop = func(side string, n int, seg *Segment) bool {
			return side == "client" && (n == 2 || n == 3) // the data and the first FIN
		}
		p.run(ops(opConnect, opSend(100), opClose), ops(opAccept, opReadEOF, opClose), s, s, time.Minute)
		fins, data := sentAt(p, "FIN"), sentAt(p, "len=100")
		if len(fins) < 2 || len(data) < 2 {
			t.Fatalf("seed %d: want the FIN and the data sent twice:\n%s", seed, joinLines(p.lines))
		}
		if d := fins[1].Sub(fins[0]); d <= 52*time.Millisecond || d > 56*time.Millisecond {
			t.Errorf("seed %d: the probe left %v after the FIN, want 52–56 ms", seed, d)
		}
		if d := data[1].Sub(fins[1]); d != 20200*time.Microsecond {
			t.Errorf("seed %d: the data left again %v after the probe, want one RTT (20.2 ms)", seed, d)
		}
		if got := closeKind(t, p); got != "four-way" {
			t.Errorf("seed %d: %s, want four-way\n%s", seed, got, joinLines(p.lines))
		}
	}
}

// TestNoLossProbeWithoutSACK: the probe needs SACK negotiated; without it
// the lone lost FIN waits for the RTO, armed when the data's ACK arrived:
// 220.2 ms rounded to the tick, the same 244.2–248.2 ms after the FIN. So
// the difference shows where two segments are lost: the FIN goes again
// only with the RTO, 220.2 ms (56 ticks) after the data and FIN left.
func TestNoLossProbeWithoutSACK(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		s := tlpLinux()
		s.SACK = false
		p := newPair(t, 10100*time.Microsecond, s, s, seed)
		p.drop = func(side string, n int, seg *Segment) bool { return side == "client" && (n == 2 || n == 3) }
		p.run(ops(opConnect, opSend(100), opClose), ops(opAccept, opReadEOF, opClose), s, s, time.Minute)
		data := sentAt(p, "len=100")
		if len(data) < 2 {
			t.Fatalf("seed %d: data sent %d times", seed, len(data))
		}
		if d := data[1].Sub(data[0]); d <= 224*time.Millisecond || d > 228*time.Millisecond {
			t.Errorf("seed %d: data sent again %v after the first, want the RTO's 224–228 ms", seed, d)
		}
	}
}
