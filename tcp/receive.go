package tcp

// input processes a segment that arrived for this endpoint, in the order of
// RFC 9293 3.10.7.4: sequence number, RST, SYN, ACK, data, FIN. Where Linux
// differs from the RFC in a way that changes how connections end, the Linux
// rule is followed and named.
func (e *Endpoint) input(seg *Segment) {
	if h := e.host; h.obs != nil {
		h.obs.Segment(h.sched.Now(), e, seg, SegReceived)
	}
	if e.tsOK && seg.TS && seg.Flags&RST == 0 && int32(seg.TSVal-e.tsRecent) > 0 {
		// TS.Recent follows the peer's clock (RFC 7323 4.3; PAWS, which
		// would drop segments with older values, is not modelled).
		e.tsRecent = seg.TSVal
	}
	switch e.state {
	case SynSent:
		e.synSentInput(seg)
		return
	case TimeWait:
		e.timeWaitInput(seg)
		return
	case SynReceived:
		if seg.Flags&SYN != 0 && seg.Flags&ACK == 0 && seg.Seq == e.irs {
			// The peer did not get our SYN,ACK: send it again.
			e.transmit(SYN|ACK, e.iss, 0, true)
			return
		}
	}

	if seg.Flags&RST != 0 && seg.Seq == e.rcvNxt-1 && e.finRcvd &&
		(e.state == CloseWait || e.state == LastAck || e.state == Closing) {
		// An RST answering data we sent before the peer's FIN reached us
		// carries the sequence number of that FIN: Linux accepts it
		// (tcp_reset_check).
		e.resetReceived()
		return
	}
	if !e.acceptable(seg) {
		if seg.Flags&RST == 0 {
			old := seg.SeqLen() > 0 && seqLT(seg.Seq, e.rcvNxt)
			if old {
				// A retransmission of something we have: the peer lost our
				// ACK, so ACK at once and quickly from now on (tcp_send_dupack).
				e.ack.enterQuickAck(e)
			}
			if (seg.Flags&SYN != 0 || seg.SeqLen() == 0) && e.oowRateLimited() {
				// An out-of-window SYN (challenge ACK) or bare segment: one
				// answer per 500 ms (tcp_validate_incoming,
				// tcp_oow_rate_limited); data and FINs are always answered.
				return
			}
			if old && e.cfg.AckResendsFin && seg.Flags&(ACK|SYN) == ACK && !seqGT(seg.Ack, e.sndMax) {
				// FreeBSD trims the duplicate and keeps processing its ACK
				// field: a peer's FIN retransmission that acknowledges our
				// FIN ends CLOSING (TIME_WAIT) or LAST_ACK, with no answer.
				from := e.state
				e.processAck(seg)
				if e.state != from && (e.state == TimeWait || e.state == Closed) {
					return
				}
			}
			e.sendAck()
		}
		return
	}

	if seg.Flags&RST != 0 {
		if seg.Seq != e.rcvNxt {
			// In the window but not exact: challenge ACK (RFC 5961 3.2),
			// rate limited on Linux (tcp_send_challenge_ack).
			if !e.oowRateLimited() {
				e.sendAck()
			}
			return
		}
		e.resetReceived()
		return
	}

	if seg.Flags&SYN != 0 {
		// SYN on a synchronized connection: challenge ACK (RFC 5961 4.2),
		// rate limited on Linux (tcp_send_challenge_ack).
		if !e.oowRateLimited() {
			e.sendAck()
		}
		return
	}

	if seg.Flags&ACK == 0 {
		return
	}
	if e.state == SynReceived {
		if !seqGT(seg.Ack, e.sndUna) || seqGT(seg.Ack, e.sndMax) {
			e.host.sendReset(seg)
			return
		}
		e.ackAdvance(seg.Ack)
		e.sndWnd = seg.Window
		e.sndWl1, e.sndWl2 = seg.Seq, seg.Ack
		e.setState(Established)
		if e.lis != nil {
			e.lis.established(e)
		}
	}
	if !e.processAck(seg) {
		return
	}

	if seg.Len > 0 || seg.Flags&FIN != 0 {
		switch e.state {
		case Established, FinWait1, FinWait2:
			if e.rdShut && e.state != Established && seqGT(seg.Seq+uint32(seg.Len), e.rcvNxt) && seg.Len > 0 {
				// New data after close() (or shutdown(both)) in FIN_WAIT_1/2:
				// nobody will read it, so the connection is reset
				// (tcp_rcv_state_process, LINUX_MIB_TCPABORTONDATA).
				e.host.sendReset(seg)
				e.softErr = ECONNRESET
				e.setState(Closed)
				return
			}
			e.receive(seg)
		default:
			// CLOSE_WAIT, CLOSING, LAST_ACK: the peer's FIN came already;
			// anything more is a retransmission. Re-ACK it.
			if seqLT(seg.Seq, e.rcvNxt) {
				e.ack.scheduled = true
				e.ack.now = true
			}
		}
	}
	e.ack.check(e)
	e.output()
}

// oowRateLimited is Linux's __tcp_oow_rate_limited: it reports whether an
// ACK for an out-of-window segment (or a challenge ACK) must be skipped
// because one left less than tcp_invalid_ratelimit ago, and otherwise
// records this one. Other profiles do not limit.
func (e *Endpoint) oowRateLimited() bool {
	if e.cfg.OOWAckRateLimit <= 0 {
		return false
	}
	now := e.now()
	if e.lastOOWAck != 0 {
		if d := now.Sub(e.lastOOWAck); d >= 0 && d < e.cfg.OOWAckRateLimit {
			return true
		}
	}
	e.lastOOWAck = now
	return false
}

// acceptable is RFC 9293's segment acceptability test (3.10.7.4, first check).
func (e *Endpoint) acceptable(seg *Segment) bool {
	wnd := e.rcvWindow()
	n := seg.SeqLen()
	in := func(s uint32) bool { return seqLE(e.rcvNxt, s) && seqLT(s, e.rcvNxt+wnd) }
	if n == 0 {
		if wnd == 0 {
			return seg.Seq == e.rcvNxt
		}
		return in(seg.Seq)
	}
	if wnd == 0 {
		return false
	}
	return in(seg.Seq) || in(seg.Seq+n-1)
}

// processAck handles the ACK field in a synchronized state. It reports false
// when the segment must not be processed further.
func (e *Endpoint) processAck(seg *Segment) bool {
	if seqGT(seg.Ack, e.sndMax) {
		// ACK of something never sent: ACK and drop.
		e.sendAck()
		return false
	}
	if seg.Ack == e.sndUna && seg.Len == 0 && seg.Flags&(SYN|FIN) == 0 && seg.Window == e.sndWnd && e.sndUna != e.sndMax {
		e.duplicateAck()
	}
	e.ackAdvance(seg.Ack)
	if seqLT(e.sndWl1, seg.Seq) || (e.sndWl1 == seg.Seq && seqLE(e.sndWl2, seg.Ack)) {
		e.sndWnd = seg.Window
		e.sndWl1, e.sndWl2 = seg.Seq, seg.Ack
	}
	finAcked := e.finSent && seqGT(e.sndUna, e.writeEnd)
	switch e.state {
	case FinWait1:
		if finAcked {
			e.setState(FinWait2)
			if e.orphan {
				e.startFinWait2Timer()
			}
		}
	case Closing:
		if finAcked {
			e.enterTimeWait()
		}
		return false
	case LastAck:
		if finAcked {
			e.setState(Closed)
		}
		return false
	}
	return true
}

// receive queues the segment's data and FIN, in order or out of order.
func (e *Endpoint) receive(seg *Segment) {
	seq, n, fin := seg.Seq, uint32(seg.Len), seg.Flags&FIN != 0
	if seqLT(seq, e.rcvNxt) {
		// Partly old: keep the new part. A wholly old segment never gets
		// here (it fails the acceptability test in input).
		skip := e.rcvNxt - seq
		seq += skip
		n -= skip
	}
	if seq != e.rcvNxt {
		e.queueOutOfOrder(seq, n, fin)
		e.ack.scheduled, e.ack.now = true, true
		return
	}
	if n > 0 {
		e.rcvNxt += n
		e.rcvQueued += int64(n)
		e.ack.dataReceived(e, int(n))
	}
	if len(e.ooo) > 0 {
		fin = e.drainOutOfOrder() || fin
		if len(e.ooo) == 0 {
			// RFC 5681 4.2: ACK at once when a gap is filled.
			e.ack.now = true
		}
	}
	if fin {
		e.finArrived()
	}
	e.wake()
}

// queueOutOfOrder keeps a segment that arrived ahead of a gap.
func (e *Endpoint) queueOutOfOrder(seq, n uint32, fin bool) {
	for i := range e.ooo {
		if e.ooo[i].seq == seq {
			if n > e.ooo[i].len {
				e.ooo[i].len = n
			}
			e.ooo[i].fin = e.ooo[i].fin || fin
			return
		}
	}
	e.ooo = append(e.ooo, oooRange{seq: seq, len: n, fin: fin})
}

// drainOutOfOrder moves queued segments that now follow rcvNxt into the
// receive queue; it reports whether a FIN was among them.
func (e *Endpoint) drainOutOfOrder() bool {
	fin := false
	for progress := true; progress; {
		progress = false
		for i := 0; i < len(e.ooo); i++ {
			r := e.ooo[i]
			end := r.seq + r.len
			if seqGT(r.seq, e.rcvNxt) {
				continue
			}
			if seqGT(end, e.rcvNxt) {
				add := end - e.rcvNxt
				e.rcvNxt += add
				e.rcvQueued += int64(add)
				e.ack.dataReceived(e, int(add))
			}
			if r.fin && end == e.rcvNxt {
				fin = true
			}
			e.ooo = append(e.ooo[:i], e.ooo[i+1:]...)
			i--
			progress = true
		}
	}
	return fin
}

// finArrived processes the peer's FIN once everything before it arrived
// (tcp_fin).
func (e *Endpoint) finArrived() {
	if e.finRcvd {
		return
	}
	e.rcvNxt++
	e.finRcvd = true
	switch e.state {
	case Established:
		e.setState(CloseWait)
		e.ack.finReceived(e)
	case FinWait1:
		// Simultaneous close: CLOSING, and the FIN is ACKed at once.
		e.setState(Closing)
		e.sendAck()
	case FinWait2:
		e.enterTimeWait()
		e.sendAck()
	}
}

// resetReceived ends the connection on an acceptable RST (tcp_reset): the
// application's next call sees ECONNREFUSED in SYN_SENT, ECONNRESET
// otherwise, except that Linux reports EPIPE in CLOSE_WAIT (the peer's FIN
// came first); FreeBSD sets so_error = ECONNRESET there as in every other
// synchronized state (tcp_do_segment), and so do the other profiles.
func (e *Endpoint) resetReceived() {
	switch e.state {
	case CloseWait:
		e.softErr = e.cfg.CloseWaitResetErrno
		if e.softErr == ErrNone {
			e.softErr = ECONNRESET
		}
	case SynReceived:
		if e.passiv {
			e.setState(Closed)
			return
		}
		e.softErr = ECONNREFUSED
	default:
		if !e.orphan {
			e.softErr = ECONNRESET
		}
	}
	e.rdShut, e.wrShut = true, true
	e.setState(Closed)
}
