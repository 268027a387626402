package tcp

import "time"

// Tail loss probe (RFC 8985 7; Linux tcp_schedule_loss_probe and
// tcp_send_loss_probe). When the last segments in flight are lost, no
// duplicate ACK ever comes to start fast retransmit, and without a probe
// the sender waits for the RTO. Linux instead arms a probe timer after each
// transmission of new data and each ACK that leaves data outstanding: the
// probe timeout is twice the smoothed RTT, plus 2 ticks when more than one
// segment is in flight or plus rto_min when only one is, never later than
// the RTO would fire. When it fires, the last segment in flight is sent
// again. If that probe reaches a receiver that still misses earlier data,
// its SACK of the probe shows the hole, and RACK marks the earlier segments
// lost at once (emu takes the duplicate ACK the probe draws as that SACK).
// The probe needs SACK negotiated and the connection out of recovery.

// lossProbeState is the sender's loss-probe state.
type lossProbeState struct {
	armed   bool     // the retransmission timer is armed for a probe, not the RTO
	out     bool     // a probe is unacknowledged (tlp_high_seq set)
	high    uint32   // snd_nxt when the probe left
	rtoAt   int64    // when the RTO would fire, in ns of virtual time
	segEnds []uint32 // end of each first-transmitted segment in flight, in order
}

// packetsOut is the number of segments in flight (tp->packets_out).
func (e *Endpoint) packetsOut() int {
	n := 0
	for _, end := range e.tlp.segEnds {
		if seqGT(end, e.sndUna) {
			n++
		}
	}
	return n
}

// sentNew notes a first transmission ending at end.
func (e *Endpoint) sentNew(end uint32) {
	e.tlp.segEnds = append(e.tlp.segEnds, end)
}

// ackedTo forgets segments that ack covers and settles an answered probe.
func (e *Endpoint) ackedTo(ack uint32) {
	s := e.tlp.segEnds
	i := 0
	for i < len(s) && seqLE(s[i], ack) {
		i++
	}
	if i > 0 {
		n := copy(s, s[i:])
		e.tlp.segEnds = s[:n]
	}
	if e.tlp.out && seqGE(ack, e.tlp.high) {
		e.tlp.out = false
	}
}

// armRTO arms the retransmission timer for the RTO from now.
func (e *Endpoint) armRTO() {
	at := e.host.deadline(e.rtoTimeout(), e.cfg.TimerLateProb)
	e.tlp.armed = false
	e.tlp.rtoAt = int64(at)
	e.rtxTimer.Set(at)
}

// armRetransmit arms the timer after data was sent or an ACK left data
// outstanding: a loss probe where Linux would schedule one, else the RTO.
// advancing says the RTO restarts now (after an ACK) rather than running
// on from the oldest segment's transmission (after new data).
func (e *Endpoint) armRetransmit(advancing bool) {
	if e.scheduleLossProbe(advancing) {
		return
	}
	if advancing || !e.rtxTimer.Pending() {
		e.armRTO()
	}
}

// scheduleLossProbe arms the probe timer if the rules allow a probe now.
func (e *Endpoint) scheduleLossProbe(advancing bool) bool {
	if !e.cfg.TailLossProbe || !e.sackOK || e.inRecovery || e.tlp.out || e.sndUna == e.sndMax {
		return false
	}
	switch e.state {
	case Established, CloseWait, FinWait1, Closing, LastAck:
	default:
		return false
	}
	now := int64(e.now())
	rto := e.rtoTimeout()
	if advancing || !e.rtxTimer.Pending() {
		e.tlp.rtoAt = now + int64(rto)
	}
	pto := e.cfg.RTOInitial
	if e.hasRTT {
		pto = 2 * e.srtt
		if e.packetsOut() == 1 {
			pto += e.cfg.RTOMin // tcp_rto_min
		} else {
			pto += 2 * max(e.host.tick, time.Millisecond) // TCP_TIMEOUT_MIN: 2 jiffies
		}
	}
	if d := time.Duration(e.tlp.rtoAt - now); d > 0 {
		pto = min(pto, d)
	}
	e.tlp.armed = true
	e.rtxTimer.Set(e.host.deadline(pto, e.cfg.TimerLateProb))
	return true
}

// sendLossProbe sends the last segment in flight again and re-arms the RTO.
func (e *Endpoint) sendLossProbe() {
	e.tlp.armed = false
	ends := e.tlp.segEnds
	if e.tlp.out || len(ends) == 0 || !seqGT(ends[len(ends)-1], e.sndUna) {
		e.armRTO()
		return
	}
	end := ends[len(ends)-1]
	start := e.sndUna
	if len(ends) > 1 && seqGT(ends[len(ends)-2], e.sndUna) {
		start = ends[len(ends)-2]
	}
	var flags Flags = ACK
	n := int(end - start)
	if e.finSent && end == e.writeEnd+1 {
		flags |= FIN
		n--
	}
	if n > 0 && start+uint32(n) == e.writeEnd {
		flags |= PSH
	}
	e.transmit(flags, start, n, true)
	e.tlp.out, e.tlp.high = true, e.sndNxt
	e.armRTO()
}
