package tcp

import (
	"testing"
	"time"
)

// TestPassiveCloseDelay shows rules 4 and 5: the passive side's FIN carries the
// ACK of the peer's FIN (three-way close) when its application closes before
// the delayed ACK fires, and follows a bare ACK (four-way) otherwise. Linux
// delays the ACK of a FIN because the FIN enters ping-pong mode; with ato at
// its 40 ms floor the timer fires 40 ms after the FIN arrived.
func TestPassiveCloseDelay(t *testing.T) {
	const d = 10 * time.Millisecond
	common := []string{
		"0.000 C>S SYN seq=0 ack=0 len=0",
		"10.000 S>C SYN,ACK seq=0 ack=1 len=0",
		"20.000 C>S ACK seq=1 ack=1 len=0",
		"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
		"20.000 C>S FIN,ACK seq=101 ack=1 len=0",
		"30.000 S>C ACK seq=1 ack=101 len=0",
	}
	cases := []struct {
		name  string
		delay time.Duration
		tail  []string
	}{
		{"close at once: three-way", 0, []string{
			"30.000 S>C FIN,ACK seq=1 ack=102 len=0",
			"40.000 C>S ACK seq=102 ack=2 len=0",
		}},
		{"close after 39ms: three-way", 39 * time.Millisecond, []string{
			"69.000 S>C FIN,ACK seq=1 ack=102 len=0",
			"79.000 C>S ACK seq=102 ack=2 len=0",
		}},
		{"close after 41ms: four-way", 41 * time.Millisecond, []string{
			"70.000 S>C ACK seq=1 ack=102 len=0",
			"71.000 S>C FIN,ACK seq=1 ack=102 len=0",
			"81.000 C>S ACK seq=102 ack=2 len=0",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := linux()
			p := newPair(t, d, s, s, 1)
			p.run(ops(opConnect, opSend(100), opClose), ops(opAccept, opReadEOF, opSleep(c.delay), opClose), s, s, 5*time.Minute)
			expectLines(t, "segments", p.lines, append(append([]string{}, common...), c.tail...))
			if st := p.cep().State(); st != Closed {
				t.Errorf("client ends in %v", st)
			}
			held, in, out := p.cep().TimeWaitSpan()
			if !held || out.Sub(in) != 60*time.Second {
				t.Errorf("client TIME_WAIT held=%v for %v, want 60s", held, out.Sub(in))
			}
			if held, _, _ := p.sep().TimeWaitSpan(); held {
				t.Errorf("server held TIME_WAIT")
			}
		})
	}
}
