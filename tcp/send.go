package tcp

import (
	"time"

	"github.com/emu-sim/emu/engine"
)

// sndBufUsed is the data written by the application and not yet acknowledged.
func (e *Endpoint) sndBufUsed() int64 {
	start := e.sndUna
	if start == e.iss {
		start = e.iss + 1 // the SYN is not data
	}
	if seqGE(start, e.writeEnd) {
		return 0
	}
	return int64(e.writeEnd - start)
}

// canSendData reports whether the state lets data and FINs leave.
func (e *Endpoint) canSendData() bool {
	switch e.state {
	case Established, CloseWait, FinWait1, Closing, LastAck:
		return true
	}
	return false
}

// output sends what the windows allow: queued data in segments of at most the
// MSS, then the FIN once all data has left (riding on the last data segment
// when both go together, as tcp_send_fin coalesces it). Sequence space below
// sndMax is sent again after a retransmission timeout (go-back-N) and counted
// as retransmission.
func (e *Endpoint) output() {
	if !e.canSendData() {
		return
	}
	for {
		if seqLT(e.sndNxt, e.writeEnd) {
			wnd := min(int(e.sndWnd), e.cwnd)
			edge := e.sndUna + uint32(wnd)
			if !seqLT(e.sndNxt, edge) {
				e.armPersist()
				break
			}
			n := int(min(e.writeEnd-e.sndNxt, edge-e.sndNxt, uint32(e.sndMSS)))
			last := e.sndNxt+uint32(n) == e.writeEnd
			rtx := seqLT(e.sndNxt, e.sndMax)
			if n < e.sndMSS && !rtx && !e.finQueued && e.nagleHolds() {
				break
			}
			flags := ACK
			if last {
				flags |= PSH
				if e.finQueued {
					flags |= FIN
				}
			}
			e.sendSegment(flags, n, rtx)
			continue
		}
		if e.finQueued && e.sndNxt == e.writeEnd {
			rtx := seqLT(e.sndNxt, e.sndMax)
			// A FIN on its own is a packet like any other: it waits while
			// the congestion window is full (tcp_cwnd_test).
			if !rtx && int(e.sndNxt-e.sndUna) >= e.cwnd {
				break
			}
			e.sendSegment(FIN|ACK, 0, rtx)
		}
		break
	}
}

// nagleHolds applies Nagle's algorithm with Minshall's refinement, as Linux
// does (tcp_nagle_check): a sub-MSS segment waits while an earlier sub-MSS
// segment is unacknowledged.
func (e *Endpoint) nagleHolds() bool {
	if !e.cfg.Nagle || e.nodelay {
		return false
	}
	return e.sndUna != e.sndMax && seqGT(e.smallUnacked, e.sndUna)
}

func (e *Endpoint) sendSegment(flags Flags, n int, rtx bool) {
	seq := e.sndNxt
	if !rtx && !e.rtTiming {
		e.startRTT(seq)
	}
	if flags&FIN != 0 {
		e.finSent = true
	}
	e.transmit(flags, seq, n, rtx)
	e.sndNxt += uint32(n)
	if flags&FIN != 0 {
		e.sndNxt++
	}
	if seqGT(e.sndNxt, e.sndMax) {
		e.sndMax = e.sndNxt
	}
	if n > 0 && n < e.sndMSS {
		e.smallUnacked = e.sndNxt
	}
	if !rtx {
		e.sentNew(e.sndNxt)
	}
	e.armRetransmit(false)
}

// armPersist starts the persist timer when a zero window stops unsent data
// with nothing in flight (RFC 9293 3.8.6.1); the retransmission timer serves.
func (e *Endpoint) armPersist() {
	if e.sndUna == e.sndMax && !e.rtxTimer.Pending() {
		e.armRTO()
	}
}

func (e *Endpoint) startRTT(seq uint32) {
	e.rtTiming = true
	e.rtSeq = seq
	e.rtTime = e.now()
}

// rttSample updates SRTT, RTTVAR and RTO (RFC 6298 2). rto_formula linux
// computes RTO as SRTT + max(4*RTTVAR, rto_min) (tcp_set_rto); rfc6298 as
// max(rto_min, SRTT + max(G, 4*RTTVAR)).
func (e *Endpoint) rttSample(r time.Duration) {
	if r <= 0 {
		r = 1
	}
	if !e.hasRTT {
		e.srtt, e.rttvar, e.hasRTT = r, r/2, true
	} else {
		d := e.srtt - r
		if d < 0 {
			d = -d
		}
		e.rttvar = (3*e.rttvar + d) / 4
		e.srtt = (7*e.srtt + r) / 8
	}
	var rto time.Duration
	if e.cfg.RTOFormula == RTOLinux {
		rto = e.srtt + max(4*e.rttvar, e.cfg.RTOMin)
	} else {
		g := e.host.tick
		rto = max(e.cfg.RTOMin, e.srtt+max(g, 4*e.rttvar))
	}
	e.rto = min(rto, e.cfg.RTOMax)
}

// rtoTimeout is the time the retransmission timer is armed for: the RTO,
// plus rto_slop once the RTO was computed from an RTT sample or backed off
// (FreeBSD's TCPT_RANGESET adds tcp_rexmit_slop there, not to the initial
// TCPTV_RTOBASE), at most rto_max.
func (e *Endpoint) rtoTimeout() time.Duration {
	if e.cfg.RTOSlop > 0 && (e.hasRTT || e.retries > 0) {
		return min(e.rto+e.cfg.RTOSlop, e.cfg.RTOMax)
	}
	return e.rto
}

// ackAdvance processes an ACK that acknowledges new sequence space.
func (e *Endpoint) ackAdvance(ack uint32) {
	if !seqGT(ack, e.sndUna) {
		return
	}
	if e.rtTiming && seqGT(ack, e.rtSeq) {
		e.rtTiming = false
		e.rttSample(e.now().Sub(e.rtTime))
	}
	acked := int(ack - e.sndUna)
	if e.sndUna == e.iss {
		acked-- // the SYN opens the window no wider (IW10 counts from the handshake)
	}
	e.sndUna = ack
	e.ackedTo(ack)
	if seqLT(e.sndNxt, ack) {
		e.sndNxt = ack
	}
	e.retries = 0
	e.dupAcks = 0
	switch {
	case e.inRecovery && seqGE(ack, e.recover):
		// Everything outstanding when the loss was found is ACKed.
		e.inRecovery = false
		e.cwnd = e.ssthresh
	case e.inRecovery:
		// A partial ACK: the next hole is lost too (NewReno).
		e.retransmitHead()
	case acked <= 0:
	case e.cwnd < e.ssthresh:
		e.cwnd += min(acked, e.sndMSS)
	default:
		e.cwnd += max(1, e.sndMSS*e.sndMSS/e.cwnd)
	}
	if e.sndUna == e.sndMax {
		e.rtxTimer.Stop()
		e.tlp.armed = false
	} else {
		e.armRetransmit(true)
	}
	e.wake()
}

// duplicateAck counts an ACK that acknowledges nothing new while data is
// outstanding; the third starts fast retransmit (RFC 5681 3.2), later ones
// inflate the window in recovery.
func (e *Endpoint) duplicateAck() {
	e.dupAcks++
	switch {
	case e.tlp.out && e.sackOK && !e.inRecovery:
		// The loss probe arrived beyond a hole: its SACK shows the
		// earlier segments missing, and RACK marks them lost now.
		e.enterRecovery()
	case e.dupAcks == 3 && !e.inRecovery:
		e.enterRecovery()
	case e.dupAcks > 3 && e.inRecovery:
		e.cwnd += e.sndMSS
		e.output()
	}
}

// enterRecovery starts fast recovery: the oldest unacknowledged segment is
// retransmitted at once (RFC 5681 3.2, RFC 6582).
func (e *Endpoint) enterRecovery() {
	flight := int(e.sndMax - e.sndUna)
	e.ssthresh = max(flight/2, 2*e.sndMSS)
	e.recover = e.sndMax
	e.inRecovery = true
	e.rtTiming = false
	e.retransmitHead()
	e.cwnd = e.ssthresh + 3*e.sndMSS
}

// retransmitHead sends the oldest unacknowledged segment again, leaving
// snd_nxt where it is.
func (e *Endpoint) retransmitHead() {
	seq := e.sndUna
	dataEnd := e.writeEnd
	var flags Flags = ACK
	n := 0
	if seqLT(seq, dataEnd) {
		n = int(min(dataEnd-seq, uint32(e.sndMSS)))
		if seq+uint32(n) == dataEnd {
			flags |= PSH
			if e.finSent {
				flags |= FIN
			}
		}
	} else if e.finSent {
		flags |= FIN
	} else {
		return
	}
	e.transmit(flags, seq, n, true)
	e.armRTO()
}

// retryLimit is how many retransmissions the current state allows before the
// connection gives up with ETIMEDOUT.
func (e *Endpoint) retryLimit() int {
	switch {
	case e.state == SynSent || e.state == SynReceived:
		return e.cfg.SynRetries
	case e.orphan:
		if e.cfg.OrphanRetries > 0 {
			return e.cfg.OrphanRetries
		}
		if e.cfg.ZeroOrphanRetries == ZeroOrphanEight {
			return 8 // tcp_orphan_retries = 0 means 8 (tcp_orphan_retries())
		}
		return e.cfg.Retries2
	}
	return e.cfg.Retries2
}

// doubled returns 2*d, at most limit: the exponential backoff of a timer,
// saturating instead of overflowing when limit is near the largest
// duration (a huge rto_max would otherwise wrap to a negative timeout).
func doubled(d, limit time.Duration) time.Duration {
	if d > limit/2 {
		return limit // 2*d > limit, or would overflow
	}
	return 2 * d // <= limit: no overflow
}

// onRetransmitTimer retransmits the oldest unacknowledged segment with
// exponential backoff (RFC 6298 5.4-5.6), sends a window probe when a zero
// window stalls unsent data, or gives up when the retry limit is reached.
func (e *Endpoint) onRetransmitTimer(now engine.Time, _ uint64) {
	switch e.state {
	case Closed, Listen, TimeWait:
		return
	}
	if e.sndUna == e.sndMax {
		if seqLT(e.sndNxt, e.writeEnd) && e.sndWnd == 0 {
			// Zero-window probe: an old sequence number draws an ACK with the window.
			e.transmit(ACK, e.sndUna-1, 0, false)
			e.rto = doubled(e.rto, e.cfg.RTOMax)
			e.armRTO()
		}
		return
	}
	if e.tlp.armed {
		e.sendLossProbe()
		return
	}
	if e.retries >= e.retryLimit() {
		e.giveUp("retransmission limit")
		return
	}
	e.retries++
	e.rto = doubled(e.rto, e.cfg.RTOMax)
	e.rtTiming = false // Karn: no RTT sample from retransmitted data
	e.inRecovery, e.dupAcks = false, 0
	flight := int(e.sndMax - e.sndUna)
	e.ssthresh = max(flight/2, 2*e.sndMSS)
	e.cwnd = e.sndMSS
	e.armRTO()
	if e.state == SynSent || e.state == SynReceived {
		e.sendSyn(true)
		return
	}
	e.sndNxt = e.sndUna
	e.output()
}

// giveUp ends the connection because a timer ran out: the application sees
// ETIMEDOUT, nothing is sent (tcp_write_err).
func (e *Endpoint) giveUp(why string) {
	e.gaveUp = true
	if !e.orphan {
		e.softErr = ETIMEDOUT
	}
	if h := e.host; h.obs != nil {
		h.obs.TimerGaveUp(h.sched.Now(), e, why)
	}
	e.setState(Closed)
}
