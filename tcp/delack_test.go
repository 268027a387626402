package tcp

import (
	"testing"
	"time"
)

var noDelay = func() Op { on := true; return Op{Kind: OpSet, Set: SetOptions{NoDelay: &on}} }()

// TestRule3DelayedAck shows Linux's adaptive delayed ACK segment by segment.
func TestRule3DelayedAck(t *testing.T) {
	sleepy := ops(opAccept, opSleep(10*time.Second), opReadEOF, opClose) // a server that does not read for a while
	runExchanges(t, []exchange{
		{name: "quick-ACK budget at connection start, then delayed by ato",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"21.000 C>S PSH,ACK seq=101 ack=1 len=100",
				"22.000 C>S PSH,ACK seq=201 ack=1 len=100",
				"23.000 C>S PSH,ACK seq=301 ack=1 len=100",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"31.000 S>C ACK seq=1 ack=201 len=0",
				"72.000 S>C ACK seq=1 ack=401 len=0",
				"1023.000 C>S FIN,ACK seq=401 ack=1 len=0",
				"1073.000 S>C ACK seq=1 ack=402 len=0",
				"10030.000 S>C FIN,ACK seq=1 ack=402 len=0",
				"10040.000 C>S ACK seq=402 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			ss:     linux(func(s *Settings) { s.QuickAckSegments = 2 }),
			client: ops(opConnect, noDelay, opSend(100), opSleep(time.Millisecond), opSend(100), opSleep(time.Millisecond), opSend(100), opSleep(time.Millisecond), opSend(100), opSleep(time.Second), opClose),
			server: sleepy},
		{name: "budget granted again after an idle gap longer than the RTO",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"25.000 C>S PSH,ACK seq=101 ack=1 len=100",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"75.000 S>C ACK seq=1 ack=201 len=0",
				"2025.000 C>S PSH,ACK seq=201 ack=1 len=100",
				"2035.000 S>C ACK seq=1 ack=301 len=0",
				"3025.000 C>S FIN,ACK seq=301 ack=1 len=0",
				"3075.000 S>C ACK seq=1 ack=302 len=0",
				"10030.000 S>C FIN,ACK seq=1 ack=302 len=0",
				"10040.000 C>S ACK seq=302 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			ss:     linux(func(s *Settings) { s.QuickAckSegments = 1 }),
			client: ops(opConnect, noDelay, opSend(100), opSleep(5*time.Millisecond), opSend(100), opSleep(2*time.Second), opSend(100), opSleep(time.Second), opClose),
			server: sleepy},
		{name: "more than one full-sized segment unacknowledged: ACK at once",
			want: withHandshake(
				"20.000 C>S ACK seq=1 ack=1 len=1460",
				"20.000 C>S PSH,ACK seq=1461 ack=1 len=1460",
				"30.000 S>C ACK seq=1 ack=2921 len=0",
				"1020.000 C>S PSH,ACK seq=2921 ack=1 len=1460",
				"1070.000 S>C ACK seq=1 ack=4381 len=0",
				"2020.000 C>S FIN,ACK seq=4381 ack=1 len=0",
				"2070.000 S>C ACK seq=1 ack=4382 len=0",
				"10030.000 S>C FIN,ACK seq=1 ack=4382 len=0",
				"10040.000 C>S ACK seq=4382 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			ss:     linux(func(s *Settings) { s.QuickAckSegments = 0 }),
			client: ops(opConnect, opSend(2920), opSleep(time.Second), opSend(1460), opSleep(time.Second), opClose),
			server: sleepy},
		{name: "out-of-order data is ACKed at once, and so is the retransmission that fills the gap",
			want: withHandshake(
				"20.000 C>S ACK seq=1 ack=1 len=1460 lost",
				"20.000 C>S ACK seq=1461 ack=1 len=1460",
				"20.000 C>S PSH,ACK seq=2921 ack=1 len=1460",
				"30.000 S>C ACK seq=1 ack=1 len=0",
				"30.000 S>C ACK seq=1 ack=1 len=0",
				"240.000 C>S ACK seq=1 ack=1 len=1460 rtx",
				"250.000 S>C ACK seq=1 ack=4381 len=0",
				"1020.000 C>S FIN,ACK seq=4381 ack=1 len=0",
				"1070.000 S>C ACK seq=1 ack=4382 len=0",
				"10030.000 S>C FIN,ACK seq=1 ack=4382 len=0",
				"10040.000 C>S ACK seq=4382 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			client: ops(opConnect, opSend(4380), opSleep(time.Second), opClose),
			server: sleepy, drop: dropNth("client", 2)},
		{name: "a quick reply enters ping-pong mode: the next request's ACK is delayed",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"30.000 S>C PSH,ACK seq=1 ack=101 len=100",
				"40.000 C>S ACK seq=101 ack=101 len=0",
				"40.000 C>S PSH,ACK seq=101 ack=101 len=100",
				"90.000 S>C ACK seq=101 ack=201 len=0",
				"1040.000 C>S FIN,ACK seq=201 ack=101 len=0",
				"1090.000 S>C ACK seq=101 ack=202 len=0",
				"10030.000 S>C FIN,ACK seq=101 ack=202 len=0",
				"10040.000 C>S ACK seq=202 ack=102 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			client: ops(opConnect, opSend(100), opRead(100), opSend(100), opSleep(time.Second), opClose),
			server: ops(opAccept, opRead(100), opSend(100), opSleep(10*time.Second), opReadEOF, opClose)},
		{name: "ato inflates each time the delayed-ACK timer fires, up to delack_max",
			want: []string{
				"0.000 C>S SYN seq=0 ack=0 len=0",
				"100.000 S>C SYN,ACK seq=0 ack=1 len=0",
				"200.000 C>S ACK seq=1 ack=1 len=0",
				"200.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"340.000 S>C ACK seq=1 ack=101 len=0",
				"700.000 C>S PSH,ACK seq=101 ack=1 len=100",
				"880.000 S>C ACK seq=1 ack=201 len=0",
				"1200.000 C>S PSH,ACK seq=201 ack=1 len=100",
				"1460.000 S>C ACK seq=1 ack=301 len=0",
				"1700.000 C>S PSH,ACK seq=301 ack=1 len=100",
				"2000.000 S>C ACK seq=1 ack=401 len=0",
				"2200.000 C>S PSH,ACK seq=401 ack=1 len=100",
				"2500.000 S>C ACK seq=1 ack=501 len=0",
				"12200.000 C>S FIN,ACK seq=501 ack=1 len=0",
				"12500.000 S>C ACK seq=1 ack=502 len=0",
				"20300.000 S>C FIN,ACK seq=1 ack=502 len=0",
				"20400.000 C>S ACK seq=502 ack=2 len=0",
			},
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			delay:  100 * time.Millisecond,
			ss:     linux(func(s *Settings) { s.QuickAckSegments = 0 }),
			client: ops(opConnect, opSend(100), opSleep(500*time.Millisecond), opSend(100), opSleep(500*time.Millisecond), opSend(100), opSleep(500*time.Millisecond), opSend(100), opSleep(500*time.Millisecond), opSend(100), opSleep(10*time.Second), opClose),
			server: ops(opAccept, opSleep(20*time.Second), opReadEOF, opClose)},
		{name: "TCP_QUICKACK after the FIN arrived sends its ACK at once: four-way",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"20.000 C>S FIN,ACK seq=101 ack=1 len=0",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"30.000 S>C ACK seq=1 ack=102 len=0",
				"40.000 S>C FIN,ACK seq=1 ack=102 len=0",
				"50.000 C>S ACK seq=102 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			client: ops(opConnect, opSend(100), opClose),
			server: ops(opAccept, opReadEOF, opSetQuickAck(true), opSleep(10*time.Millisecond), opClose)},
		{name: "TCP_QUICKACK before the FIN is not sticky: the FIN re-enters ping-pong, three-way",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"25.000 C>S FIN,ACK seq=101 ack=1 len=0",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"45.000 S>C FIN,ACK seq=1 ack=102 len=0",
				"55.000 C>S ACK seq=102 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			client: ops(opConnect, opSend(100), opSleep(5*time.Millisecond), opClose),
			server: ops(opAccept, opSetQuickAck(true), opReadEOF, opSleep(10*time.Millisecond), opClose)},
		{name: "no data ever received, exact timers: the FIN's ACK leaves at once",
			want: withHandshake(
				"20.000 C>S FIN,ACK seq=1 ack=1 len=0",
				"30.000 S>C ACK seq=1 ack=2 len=0",
				"31.000 S>C FIN,ACK seq=1 ack=2 len=0",
				"41.000 C>S ACK seq=2 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			client: ops(opConnect, opClose),
			server: ops(opAccept, opReadEOF, opSleep(time.Millisecond), opClose)},
		{name: "no data ever received, HZ=250: the FIN's ACK leaves at the next tick",
			// ato is 0, so the timer is due at the current jiffy and the
			// wheel puts it in the next one: the first tick boundary of
			// the server's clock after the FIN arrived at 30 ms.
			want: withHandshake(
				"20.000 C>S FIN,ACK seq=1 ack=1 len=0",
				ms(nextTick(1, "server", 250, 30*time.Millisecond))+" S>C ACK seq=1 ack=2 len=0",
				"35.000 S>C FIN,ACK seq=1 ack=2 len=0",
				"45.000 C>S ACK seq=2 ack=2 len=0",
			),
			cState: Closed, cTimeWait: -1,
			sState: Closed,
			check: func(t *testing.T, p *pair) {
				// TIME_WAIT's 60 s is 15 000 ticks: level 3 of the wheel,
				// rounded up to the next multiple of 512 jiffies.
				held, in, out := p.cep().TimeWaitSpan()
				if !held {
					t.Fatal("the client never held TIME_WAIT")
				}
				checkWheelExpiry(t, p.client, in, out, 60*time.Second, 512)
			},

			cs:     linux(func(s *Settings) { s.HZ = 250; s.TimerLateProb = 0 }),
			ss:     linux(func(s *Settings) { s.HZ = 250; s.TimerLateProb = 0 }),
			client: ops(opConnect, opClose),
			server: ops(opAccept, opReadEOF, opSleep(5*time.Millisecond), opClose)},
		{name: "delayed ACKs off: every segment and the FIN are ACKed at once",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"20.000 C>S FIN,ACK seq=101 ack=1 len=0",
				"30.000 S>C ACK seq=1 ack=101 len=0",
				"30.000 S>C ACK seq=1 ack=102 len=0",
				"40.000 S>C FIN,ACK seq=1 ack=102 len=0",
				"50.000 C>S ACK seq=102 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			ss:     linux(func(s *Settings) { s.DelayedAck = false }),
			client: ops(opConnect, opSend(100), opClose),
			server: ops(opAccept, opReadEOF, opSleep(10*time.Millisecond), opClose)},
	})
}

// TestFixedDelayedAck shows the fixed scheme of the other profiles: a FIN is
// ACKed at once, data waits for the fixed timer or every second segment.
func TestFixedDelayedAck(t *testing.T) {
	sleepy := ops(opAccept, opSleep(10*time.Second), opReadEOF, opClose)
	runExchanges(t, []exchange{
		{name: "freebsd: no quick ACK: every second segment at once, the last after the 40 ms timer",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"21.000 C>S PSH,ACK seq=101 ack=1 len=100",
				"22.000 C>S PSH,ACK seq=201 ack=1 len=100",
				"31.000 S>C ACK seq=1 ack=201 len=0",
				"72.000 S>C ACK seq=1 ack=301 len=0",
				"1022.000 C>S FIN,ACK seq=301 ack=1 len=0",
				"1032.000 S>C ACK seq=1 ack=302 len=0",
				"10030.000 S>C FIN,ACK seq=1 ack=302 len=0",
				"10040.000 C>S ACK seq=302 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 60000 * time.Millisecond,
			sState:    Closed,

			cs: profile("freebsd"), ss: profile("freebsd"),
			client: ops(opConnect, noDelay, opSend(100), opSleep(time.Millisecond), opSend(100), opSleep(time.Millisecond), opSend(100), opSleep(time.Second), opClose),
			server: sleepy},
		{name: "windows: every second segment, else the 200 ms timer",
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"21.000 C>S PSH,ACK seq=101 ack=1 len=100",
				"22.000 C>S PSH,ACK seq=201 ack=1 len=100",
				"31.000 S>C ACK seq=1 ack=201 len=0",
				"232.000 S>C ACK seq=1 ack=301 len=0",
				"1022.000 C>S FIN,ACK seq=301 ack=1 len=0",
				"1032.000 S>C ACK seq=1 ack=302 len=0",
				"10030.000 S>C FIN,ACK seq=1 ack=302 len=0",
				"10040.000 C>S ACK seq=302 ack=2 len=0",
			),
			cState:    Closed,
			cTimeWait: 120000 * time.Millisecond,
			sState:    Closed,

			cs: profile("windows"), ss: profile("windows"),
			client: ops(opConnect, noDelay, opSend(100), opSleep(time.Millisecond), opSend(100), opSleep(time.Millisecond), opSend(100), opSleep(time.Second), opClose),
			server: sleepy},
	})
}

// TestDelayedAckAboutToFire: a segment that arrives when the armed delayed
// ACK is due within a quarter of ato is ACKed at once (tcp_send_delayed_ack);
// one that arrives earlier leaves the first deadline in place.
func TestDelayedAckAboutToFire(t *testing.T) {
	sleepy := ops(opAccept, opSleep(10*time.Second), opReadEOF, opClose)
	ss := linux(func(s *Settings) { s.QuickAckSegments = 0 })
	runExchanges(t, []exchange{
		{name: "second segment 35 ms after the first: the ACK due at 40 ms goes now",
			ss: ss, server: sleepy,
			client: ops(opConnect, noDelay, opSend(100), opSleep(35*time.Millisecond), opSend(100), opSleep(time.Second), opClose),
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"55.000 C>S PSH,ACK seq=101 ack=1 len=100",
				"65.000 S>C ACK seq=1 ack=201 len=0",
				"1055.000 C>S FIN,ACK seq=201 ack=1 len=0",
				"1105.000 S>C ACK seq=1 ack=202 len=0",
				"10030.000 S>C FIN,ACK seq=1 ack=202 len=0",
				"10040.000 C>S ACK seq=202 ack=2 len=0"),
			cState: Closed, sState: Closed, cTimeWait: 60 * time.Second},
		{name: "second segment 10 ms after the first: one ACK at the first deadline",
			ss: ss, server: sleepy,
			client: ops(opConnect, noDelay, opSend(100), opSleep(10*time.Millisecond), opSend(100), opSleep(time.Second), opClose),
			want: withHandshake(
				"20.000 C>S PSH,ACK seq=1 ack=1 len=100",
				"30.000 C>S PSH,ACK seq=101 ack=1 len=100",
				"70.000 S>C ACK seq=1 ack=201 len=0",
				"1030.000 C>S FIN,ACK seq=201 ack=1 len=0",
				"1080.000 S>C ACK seq=1 ack=202 len=0",
				"10030.000 S>C FIN,ACK seq=1 ack=202 len=0",
				"10040.000 C>S ACK seq=202 ack=2 len=0"),
			cState: Closed, sState: Closed, cTimeWait: 60 * time.Second},
	})
}
