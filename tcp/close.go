package tcp

import (
	"math"
	"time"

	"github.com/emu-sim/emu/engine"
)

// closeState moves the state as close() or shutdown(SHUT_WR) does before
// sending a FIN (tcp_close_state). It reports whether a FIN must be sent.
func (e *Endpoint) closeState() bool {
	switch e.state {
	case Established, SynReceived:
		e.setState(FinWait1)
		return true
	case CloseWait:
		e.setState(LastAck)
		return true
	case SynSent, Listen:
		e.setState(Closed)
	}
	return false
}

// sendFin queues the FIN after any unsent data and pushes it out.
func (e *Endpoint) sendFin() {
	e.finQueued = true
	e.output()
}

// needsReset lists the states in which an abortive close sends RST
// (tcp_need_reset).
func (e *Endpoint) needsReset() bool {
	switch e.state {
	case Established, CloseWait, FinWait1, FinWait2, SynReceived:
		return true
	}
	return false
}

// closeSocket is close(2) on the socket, as tcp_close does it: received data
// still unread means RST and no FIN (RFC 2525 2.17), unless the profile
// discards it; SO_LINGER with a zero timeout means RST; otherwise a FIN after
// any queued data. It reports whether the caller should linger (wait for the
// FIN to be acknowledged) before the socket is orphaned.
func (e *Endpoint) closeSocket(kernel bool) (linger bool) {
	e.rdShut, e.wrShut = true, true
	unread := e.rcvQueued
	e.rcvQueued = 0
	switch {
	case e.state == Closed || e.state == TimeWait:
	case e.state == SynSent || e.state == Listen:
		e.setState(Closed)
	case unread > 0 && e.cfg.UnreadClose == UnreadCloseRST && e.state != SynReceived:
		e.sendActiveReset()
		e.setState(Closed)
	case e.linger.On && e.linger.Timeout == 0:
		if e.needsReset() {
			e.sendActiveReset()
		}
		e.setState(Closed)
	default:
		if e.closeState() {
			e.sendFin()
		}
		linger = !kernel && e.linger.On && e.lingering()
	}
	if !linger {
		e.orphanNow()
	}
	return linger
}

// lingering reports whether a lingering close() still waits: our FIN is not
// yet acknowledged (sk_stream_wait_close).
func (e *Endpoint) lingering() bool {
	switch e.state {
	case FinWait1, Closing, LastAck:
		return true
	}
	return false
}

// orphanNow detaches the socket from the application. An orphan in
// FIN_WAIT_2 starts the FIN_WAIT_2 timeout.
func (e *Endpoint) orphanNow() {
	e.orphan = true
	clear(e.holders)
	e.holders = e.holders[:0]
	if e.state == FinWait2 {
		e.startFinWait2Timer()
	}
	e.host.mayCompact(e)
}

// shutdown is shutdown(2), as inet_shutdown does it. SHUT_WR sends a FIN but
// keeps receiving and is not an orphan, so FIN_WAIT_2 lasts as long as the
// peer wants; SHUT_RD sends nothing. A socket whose connection is gone
// (reset, timed out, or handed over to TIME_WAIT, which Linux keeps in a
// separate minisock while the socket itself is CLOSED) fails with ENOTCONN;
// one still connecting is disconnected.
func (e *Endpoint) shutdown(how ShutdownHow) Errno {
	switch e.state {
	case Closed, TimeWait:
		e.rdShut = e.rdShut || how != ShutWrite
		e.wrShut = e.wrShut || how != ShutRead
		return ENOTCONN
	case SynSent:
		e.setState(Closed)
		return ErrNone
	}
	if how == ShutRead || how == ShutBoth {
		e.rdShut = true
		e.wake()
	}
	if how == ShutWrite || how == ShutBoth {
		if !e.wrShut {
			e.wrShut = true
			switch e.state {
			case Established, SynReceived, CloseWait:
				if e.closeState() {
					e.sendFin()
				}
			}
		}
	}
	return ErrNone
}

// abort resets the connection at once (SO_LINGER 0 close, or a listener
// dropping connections nobody accepted).
func (e *Endpoint) abort() {
	if e.needsReset() {
		e.sendActiveReset()
	}
	e.setState(Closed)
}

// finWait2Timeout is how long an orphan waits in FIN_WAIT_2. Linux never
// waits less than 3.5 RTO (tcp_fin_time).
func (e *Endpoint) finWait2Timeout() time.Duration {
	t := e.cfg.FinWait2Timeout
	if e.cfg.FinWait2RTOFloor && t > 0 {
		floor := time.Duration(math.MaxInt64)
		if e.rto <= floor/4 {
			floor = e.rto*4 - e.rto/2
		}
		if t < floor {
			t = floor
		}
	}
	return t
}

func (e *Endpoint) startFinWait2Timer() {
	// Linux turns the orphan into a FIN_WAIT_2 timewait socket, whose
	// out-of-window ACK rate limit starts afresh (tcp_time_wait).
	e.lastOOWAck = 0
	if t := e.finWait2Timeout(); t > 0 {
		e.waitTimer.Set(e.host.deadline(t, e.cfg.TimerLateProb))
	}
}

// enterTimeWait holds the connection for the TIME_WAIT length (Linux: a fixed
// 60 s, TCP_TIMEWAIT_LEN; others 2*MSL).
func (e *Endpoint) enterTimeWait() {
	e.rtxTimer.Stop()
	e.delackTimer.Stop()
	e.ack.clear()
	if h := e.host; h.timeWait >= h.cfg.MaxTWBuckets {
		// tcp_max_tw_buckets reached: Linux closes the socket instead
		// ("TCP: time wait bucket table overflow").
		h.twOverflows++
		e.setState(Closed)
		return
	}
	e.waitTimer.Set(e.host.deadline(e.cfg.EffectiveTimeWait(), e.cfg.TimerLateProb))
	e.lastOOWAck = 0 // tcp_time_wait: tw_last_oow_ack_time = 0
	e.setState(TimeWait)
}

// onWaitTimer ends TIME_WAIT, or gives up an orphaned FIN_WAIT_2 silently.
func (e *Endpoint) onWaitTimer(now engine.Time, _ uint64) {
	switch e.state {
	case TimeWait:
		e.setState(Closed)
	case FinWait2:
		e.giveUp("FIN_WAIT_2 timeout")
	}
}

// timeWaitInput handles a segment in TIME_WAIT (Linux
// tcp_timewait_state_process; FreeBSD tcp_twcheck). An in-window RST ends
// TIME_WAIT unless rfc1337 is on. On Linux a retransmitted FIN (or any other
// out-of-window segment) is ACKed again and any segment with ACK restarts the
// timer. Elsewhere, as RFC 9293 3.10.7.4 and FreeBSD's tcp_twcheck have it,
// only a duplicate of the peer's FIN restarts the timer, a segment without
// ACK is dropped, and an exact duplicate ACK gets no answer.
func (e *Endpoint) timeWaitInput(seg *Segment) {
	if seg.Flags&RST != 0 {
		if seg.Seq == e.rcvNxt && !e.cfg.RFC1337 {
			e.setState(Closed)
		}
		return
	}
	if e.cfg.TimeWaitAnswers != TimeWaitLinux {
		if seg.Flags&ACK == 0 {
			return
		}
		if seg.Flags&FIN != 0 && seg.Seq+uint32(seg.Len)+1 == e.rcvNxt {
			e.waitTimer.Set(e.host.deadline(e.cfg.EffectiveTimeWait(), e.cfg.TimerLateProb))
		}
		if seg.Flags == ACK && seg.Len == 0 && seg.Seq == e.rcvNxt && seg.Ack == e.sndMax {
			return
		}
		e.transmit(ACK, e.sndMax, 0, false)
		return
	}
	if seg.Seq == e.rcvNxt && seg.SeqLen() == 0 {
		// A bare in-window ACK: nothing to answer.
		e.waitTimer.Set(e.host.deadline(e.cfg.EffectiveTimeWait(), e.cfg.TimerLateProb))
		return
	}
	if seg.Flags&ACK != 0 {
		e.waitTimer.Set(e.host.deadline(e.cfg.EffectiveTimeWait(), e.cfg.TimerLateProb))
	}
	if (seg.Flags&SYN != 0 || seg.SeqLen() == 0) && e.oowRateLimited() {
		// tcp_timewait_check_oow_rate_limit: one ACK per 500 ms for
		// segments without data; a FIN or data is always answered.
		return
	}
	e.transmit(ACK, e.sndMax, 0, false)
}
