package tcp

import (
	"time"

	"github.com/emu-sim/emu/engine"
)

// ackState decides when received data and FINs are acknowledged.
//
// In adaptive mode it follows Linux (net/ipv4/tcp_input.c, tcp_output.c,
// tcp_timer.c; docs/tcp-model.md, rule 3): a quick-ACK budget granted
// by the first data segment and after idle periods, an adaptive ACK timeout
// (ato) that starts at delack_min and tracks the gap between data segments,
// ping-pong (interactive) mode entered when the application replies within ato
// or when a FIN arrives, and a delayed-ACK timer bounded by delack_max and the
// smoothed RTT. In fixed mode it is the BSD/RFC 1122 scheme: one timer of
// delack_max, an ACK for every ack_every-th segment, FINs ACKed at once.
type ackState struct {
	adaptive bool
	enabled  bool
	atoMin   time.Duration
	delMax   time.Duration
	maxQuick int
	every    int

	scheduled bool          // an ACK is owed (ICSK_ACK_SCHED)
	now       bool          // the owed ACK must go at once (ICSK_ACK_NOW)
	pushed    uint8         // ICSK_ACK_PUSHED / PUSHED2: small segments seen since the last ACK
	quick     int           // quick-ACK budget
	pingpong  bool          // interactive mode: delay ACKs
	ato       time.Duration // adaptive ACK timeout; 0 until the first data segment
	lrcvtime  engine.Time   // when data last arrived
	rcvMSS    int           // estimate of the peer's segment size
	unacked   int           // fixed mode: data segments since the last ACK
	deadline  engine.Time   // delayed-ACK timer deadline while armed
}

const (
	ackPushed  = 1
	ackPushed2 = 2
)

func (a *ackState) init(s *Settings) {
	*a = ackState{
		adaptive: s.DelAckMode == DelAckAdaptive,
		enabled:  s.DelayedAck,
		atoMin:   s.DelAckMin,
		delMax:   s.DelAckMax,
		maxQuick: s.QuickAckSegments,
		every:    s.AckEvery,
	}
	// tcp_initialize_rcv_mss: min(advmss, 536), at least 88 (TCP_MIN_MSS).
	a.rcvMSS = min(s.MSS, 536)
	a.rcvMSS = max(a.rcvMSS, 88)
	if !a.adaptive {
		a.quick = s.QuickAckSegments
	}
}

func (a *ackState) clear() {
	a.scheduled, a.now = false, false
	a.pushed = 0
}

// incrQuick grants the quick-ACK budget: the receive window last advertised
// over twice the peer's segment size, at least 2, at most quickack_segments
// (tcp_incr_quickack).
func (a *ackState) incrQuick(e *Endpoint) {
	q := int(e.rcvWnd) / (2 * a.rcvMSS)
	if q == 0 {
		q = 2
	}
	q = min(q, a.maxQuick)
	if q > a.quick {
		a.quick = q
	}
}

// enterQuickAck is tcp_enter_quickack_mode: out-of-order or duplicate data,
// so the peer must hear from us at once.
func (a *ackState) enterQuickAck(e *Endpoint) {
	if a.adaptive {
		a.incrQuick(e)
		a.pingpong = false
		a.ato = a.atoMin
	}
}

func (a *ackState) inQuickAck() bool { return a.quick > 0 && !a.pingpong }

// dataReceived updates the ACK state for an in-order data segment of length
// n (tcp_measure_rcv_mss and tcp_event_data_recv).
func (a *ackState) dataReceived(e *Endpoint, n int) {
	a.scheduled = true
	if !a.adaptive {
		a.unacked++
		return
	}
	if n >= a.rcvMSS {
		a.rcvMSS = min(n, e.cfg.MSS)
	} else {
		if a.pushed&ackPushed != 0 {
			a.pushed |= ackPushed2
		}
		a.pushed |= ackPushed
	}
	now := e.now()
	if a.ato == 0 {
		// The first data segment initialises the delayed-ACK engine.
		a.incrQuick(e)
		a.ato = a.atoMin
	} else {
		m := now.Sub(a.lrcvtime)
		switch {
		case m <= a.atoMin/2:
			a.ato = a.ato/2 + a.atoMin/2
		case m < a.ato:
			a.ato = a.ato/2 + m
			if a.ato > e.rto {
				a.ato = e.rto
			}
		case m > e.rto:
			// The sender was idle: ACK quickly again.
			a.incrQuick(e)
		}
	}
	a.lrcvtime = now
}

// finReceived: a FIN arrived in ESTABLISHED. Linux enters ping-pong mode, so
// its ACK is delayed (tcp_fin); the other profiles ACK it at once.
func (a *ackState) finReceived(e *Endpoint) {
	a.scheduled = true
	if a.adaptive {
		a.pingpong = true
	}
}

// check decides, after a segment was processed, whether the owed ACK goes now
// or later (__tcp_ack_snd_check).
func (a *ackState) check(e *Endpoint) {
	if !a.scheduled {
		return
	}
	if a.now || !a.enabled {
		e.sendAck()
		return
	}
	if !a.adaptive {
		if a.quick > 0 || a.unacked >= a.every || e.finRcvd {
			e.sendAck()
			return
		}
		if !e.delackTimer.Pending() {
			e.delackTimer.Set(e.host.deadline(a.delMax, e.cfg.TimerLateProb))
		}
		return
	}
	if int(e.rcvNxt-e.rcvWup) > (a.every-1)*a.rcvMSS || a.inQuickAck() {
		e.sendAck()
		return
	}
	a.sendDelayed(e)
}

// sendDelayed arms the delayed-ACK timer (tcp_send_delayed_ack): ato, bounded
// by the smoothed RTT (at least delack_min) and by delack_max. An earlier
// deadline already armed stays; one that is about to fire means ACK now.
func (a *ackState) sendDelayed(e *Endpoint) {
	ato := a.ato
	if ato > a.atoMin {
		maxAto := a.delMax
		if e.hasRTT {
			rtt := max(e.srtt, a.atoMin)
			maxAto = min(maxAto, rtt)
		}
		ato = min(ato, maxAto)
	}
	ato = min(ato, a.delMax)
	deadline := e.host.deadline(ato, e.cfg.TimerLateProb)
	if e.delackTimer.Pending() {
		if a.deadline <= e.now().Add(ato/4) {
			e.sendAck()
			return
		}
		if deadline >= a.deadline {
			deadline = a.deadline
		}
	}
	a.deadline = deadline
	e.delackTimer.Set(deadline)
}

// onDelackTimer fires the delayed ACK (tcp_delack_timer_handler). In adaptive
// mode a missed delayed ACK inflates ato, or ends ping-pong mode.
func (e *Endpoint) onDelackTimer(now engine.Time, _ uint64) {
	a := &e.ack
	if !a.scheduled || e.state == Closed || e.state == TimeWait {
		return
	}
	if a.adaptive {
		if !a.pingpong {
			a.ato = doubled(a.ato, e.rto)
		} else {
			a.pingpong = false
			a.ato = a.atoMin
		}
	}
	e.sendAck()
}

// sent records that a segment carrying the current ACK left: the delayed ACK
// is no longer owed and one unit of quick-ACK budget is spent
// (tcp_event_ack_sent, tcp_dec_quickack_mode).
func (a *ackState) sent(e *Endpoint) {
	if a.quick > 0 {
		if a.scheduled {
			a.quick--
			if a.quick == 0 && a.adaptive {
				a.ato = a.atoMin
			}
		}
	}
	a.scheduled, a.now = false, false
	a.pushed = 0
	a.unacked = 0
	e.delackTimer.Stop()
}

// dataSent notes the application sending data: a reply within ato of the
// last data received makes the connection interactive (tcp_event_data_sent,
// TCP_PINGPONG_THRESH = 1).
func (a *ackState) dataSent(e *Endpoint) {
	if a.adaptive && a.ato != 0 && e.now() < a.lrcvtime.Add(a.ato) {
		a.pingpong = true
	}
}

// afterRead: the application consumed n bytes (tcp_cleanup_rbuf). An owed ACK
// goes now if more than a full segment is unacknowledged, or if small
// (pushed) segments were read and the queue is empty outside ping-pong mode;
// a read that at least doubles a small window sends a window update.
func (a *ackState) afterRead(e *Endpoint, n int64) {
	if n <= 0 || !e.state.synchronized() || e.state == TimeWait {
		return
	}
	if a.scheduled && a.adaptive {
		if int(e.rcvNxt-e.rcvWup) > a.rcvMSS ||
			(e.rcvQueued == 0 && (a.pushed&ackPushed2 != 0 || (a.pushed&ackPushed != 0 && !a.pingpong))) {
			e.sendAck()
			return
		}
	}
	if e.rdShut || e.finRcvd {
		return
	}
	now := e.rcvAdvEdge - e.rcvNxt
	if 2*int64(now) <= int64(e.cfg.RcvBuf) {
		if nw := e.rcvWindow(); nw > 0 && nw >= 2*now {
			e.sendAck()
		}
	}
}

// setQuickAck applies setsockopt(TCP_QUICKACK). On: leave ping-pong mode and,
// if an ACK is owed, mark a pushed segment and run the read-side ACK check
// (__tcp_sock_set_quickack calls tcp_cleanup_rbuf): the owed ACK goes now
// only if that check passes, i.e. the received data has been read (or more
// than a full segment is unacknowledged); with data still queued it waits for
// the delayed-ACK timer. Off: enter ping-pong mode. It is not sticky: a later
// FIN or reply re-enters ping-pong mode.
func (e *Endpoint) setQuickAck(on bool) {
	a := &e.ack
	if !a.adaptive {
		if on && a.scheduled {
			e.sendAck()
		}
		return
	}
	if !on {
		a.pingpong = true
		return
	}
	a.pingpong = false
	if (e.state == Established || e.state == CloseWait) && a.scheduled {
		a.pushed |= ackPushed
		a.afterRead(e, 1)
	}
}
