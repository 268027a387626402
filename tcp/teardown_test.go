package tcp

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
)

// closeKind classifies a finished exchange from its segment lines the way the
// contract defines three-way and four-way: the passive side's first segment
// that acknowledges the client's FIN either carries its own FIN or not.
func closeKind(t *testing.T, p *pair) string {
	t.Helper()
	c := p.cep()
	var finAck uint32
	for _, l := range p.lines {
		if strings.Contains(l, "C>S FIN") {
			var seq uint32
			fmt.Sscanf(l[strings.Index(l, "seq="):], "seq=%d", &seq)
			finAck = seq + 1
			break
		}
	}
	if finAck == 0 {
		t.Fatalf("client sent no FIN")
	}
	for _, l := range p.lines {
		if !strings.Contains(l, "S>C") {
			continue
		}
		var ack uint32
		fmt.Sscanf(l[strings.Index(l, "ack="):], "ack=%d", &ack)
		if ack == finAck {
			if strings.Contains(l, "FIN") {
				return "three-way"
			}
			return "four-way"
		}
	}
	t.Fatalf("FIN never acknowledged (client in %v)", c.State())
	return ""
}

// TestRules4And5PassiveCloseSweep: the passive side closes D after reading EOF.
// Its FIN carries the ACK of the client's FIN (three-way) when D is shorter
// than the delayed ACK of the FIN — ato, 40 ms, because the first data
// segment set ato to delack_min and the FIN put the connection in ping-pong
// mode — and follows a bare ACK (four-way) otherwise. The RTT does not move
// the boundary: the srtt bound (never below 40 ms) only applies when ato is
// above 40 ms.
func TestRules4And5PassiveCloseSweep(t *testing.T) {
	delays := []time.Duration{0, 10, 30, 39, 41, 46, 60, 200}
	for _, oneWay := range []time.Duration{25 * time.Microsecond, 10 * time.Millisecond} {
		for _, d := range delays {
			d := d * time.Millisecond
			want := "three-way"
			if d > 40*time.Millisecond {
				want = "four-way"
			}
			t.Run(fmt.Sprintf("rtt=%v/close after %v", 2*oneWay, d), func(t *testing.T) {
				s := linux()
				p := newPair(t, oneWay, s, s, 7)
				p.run(ops(opConnect, opSend(100), opClose), ops(opAccept, opReadEOF, opSleep(d), opClose), s, s, 5*time.Minute)
				if got := closeKind(t, p); got != want {
					t.Errorf("got %s, want %s\n%s", got, want, strings.Join(p.lines, "\n"))
				}
			})
		}
	}
}

// TestPassiveCloseBandHZ250 reproduces the kernel's measured band with a
// 250 Hz tick, a random tick phase per run and Linux's late timers: the
// delayed-ACK timer armed for 40 ms fires at the first tick boundary after
// 40 ms, 40–44 ms after the FIN, and in 9 % of runs one tick later still
// (44–48 ms). A close within 40 ms is always three-way; at 41 ms three-way
// needs the timer to fire after 41 ms: 3 of the 4 ms of phase when on time,
// always when late, so 0.91 × 0.75 + 0.09 ≈ 0.77; at 42 ms 0.91 × 0.5 +
// 0.09 ≈ 0.55; at 43 ms ≈ 0.32; at 44 ms only late timers, 0.09; at 45 ms
// 0.09 × 0.75 ≈ 0.07; at 46 ms 0.045; from 48 ms never.
func TestPassiveCloseBandHZ250(t *testing.T) {
	const seeds = 400
	cases := []struct {
		delay  time.Duration
		lo, hi float64 // accepted fraction of three-way closes
	}{
		{0, 1, 1}, {20 * time.Millisecond, 1, 1}, {40 * time.Millisecond, 1, 1},
		{41 * time.Millisecond, 0.70, 0.84}, {42 * time.Millisecond, 0.47, 0.62},
		{43 * time.Millisecond, 0.25, 0.39}, {44 * time.Millisecond, 0.05, 0.13},
		{45 * time.Millisecond, 0.035, 0.105}, {46 * time.Millisecond, 0.02, 0.075},
		{48 * time.Millisecond, 0, 0}, {60 * time.Millisecond, 0, 0},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("close after %v", c.delay), func(t *testing.T) {
			three := 0
			for seed := uint64(1); seed <= seeds; seed++ {
				s := linux(func(s *Settings) { s.HZ = 250 })
				p := newPair(t, 25*time.Microsecond, s, s, seed)
				p.run(ops(opConnect, opSend(100), opClose), ops(opAccept, opReadEOF, opSleep(c.delay), opClose), s, s, 5*time.Minute)
				if closeKind(t, p) == "three-way" {
					three++
				}
			}
			if f := float64(three) / seeds; f < c.lo || f > c.hi {
				t.Errorf("three-way in %d of %d runs (%.3f), want a fraction in [%.2f, %.2f]", three, seeds, f, c.lo, c.hi)
			}
		})
	}
}

// TestNoDataPassiveClose: when no data was ever received, ato is 0 and the
// FIN's delayed ACK fires at the next timer tick (0–4 ms at HZ=250), or a
// tick later when the timer is late (measured on Linux: 0–8 ms), so the
// close is four-way unless the passive side closes within those ticks.
func TestNoDataPassiveClose(t *testing.T) {
	for _, c := range []struct {
		hz    int
		delay time.Duration
		want  string
	}{
		{0, 0, "three-way"}, {0, time.Millisecond, "four-way"}, {0, 30 * time.Millisecond, "four-way"},
		{250, 9 * time.Millisecond, "four-way"}, {250, 30 * time.Millisecond, "four-way"},
	} {
		for seed := uint64(1); seed <= 20; seed++ {
			s := linux(func(s *Settings) { s.HZ = c.hz })
			p := newPair(t, 25*time.Microsecond, s, s, seed)
			p.run(ops(opConnect, opClose), ops(opAccept, opReadEOF, opSleep(c.delay), opClose), s, s, 5*time.Minute)
			if got := closeKind(t, p); got != c.want {
				t.Fatalf("hz=%d close after %v seed %d: got %s, want %s\n%s", c.hz, c.delay, seed, got, c.want, strings.Join(p.lines, "\n"))
			}
			// The ACK of the FIN leaves within two ticks of the FIN's arrival.
			limit := 25*time.Microsecond + 3*25*time.Microsecond + 8*time.Millisecond
			if c.hz == 0 {
				limit = 4 * 25 * time.Microsecond
			}
			if at := firstServerAckOfFin(p); c.want == "four-way" && at > engine.Time(limit) {
				t.Fatalf("hz=%d seed %d: ACK of FIN at %v, later than %v", c.hz, seed, at, limit)
			}
		}
	}
}

func firstServerAckOfFin(p *pair) engine.Time {
	for _, l := range p.lines {
		if strings.Contains(l, "S>C ACK seq=1 ack=2 ") {
			var ms float64
			fmt.Sscanf(l, "%f", &ms)
			return engine.Time(ms * 1e6)
		}
	}
	return engine.Never
}

// TestFixedProfilesAlwaysFourWay: freebsd, windows and rfc9293 ACK a FIN at
// once, so the passive close is four-way at every delay except a close in the
// very same instant.
func TestFixedProfilesAlwaysFourWay(t *testing.T) {
	for _, name := range []string{"freebsd", "windows", "rfc9293"} {
		for _, d := range []time.Duration{1, 10, 39, 41, 200} {
			d := d * time.Millisecond
			s := profile(name)
			p := newPair(t, 10*time.Millisecond, s, s, 1)
			p.run(ops(opConnect, opSend(100), opClose), ops(opAccept, opReadEOF, opSleep(d), opClose), s, s, 10*time.Minute)
			if got := closeKind(t, p); got != "four-way" {
				t.Errorf("%s, close after %v: %s\n%s", name, d, got, strings.Join(p.lines, "\n"))
			}
		}
	}
}
