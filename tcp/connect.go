package tcp

import (
	"errors"
	"fmt"
)

// errNoPort: every local port of the range is in use (EADDRNOTAVAIL).
var errNoPort = errors.New("no free local port (EADDRNOTAVAIL)")

// Connect starts an active open from a new endpoint on h to port on the peer:
// it sends a SYN and returns the endpoint in SYN_SENT.
func (h *Host) Connect(port uint16, s Settings) (*Endpoint, error) {
	c, err := h.shareSettings(&s)
	if err != nil {
		return nil, fmt.Errorf("connect to port %d: %w", port, err)
	}
	return h.connect(port, c)
}

// connect is Connect with settings the host already shares.
func (h *Host) connect(port uint16, s *Settings) (*Endpoint, error) {
	local, ok := h.ephemeralPort(port)
	if !ok {
		h.connectFailures++
		return nil, errNoPort
	}
	e := newEndpoint(h, s, local, port)
	if h.reuseSeq != 0 {
		// Taking over a TIME_WAIT port (tw_reuse): Linux starts the new
		// connection above the old one's sequence space
		// (tcp_twsk_unique: write_seq = tw_snd_nxt + 65535 + 2).
		e.setISN(h.reuseSeq)
		h.reuseSeq = 0
	}
	e.active = true
	h.ephemeralInUse++
	e.setState(SynSent)
	e.sendSyn(false)
	return e, nil
}

// sendSyn sends (or resends) the SYN of an active open, or the SYN,ACK of a
// passive one.
func (e *Endpoint) sendSyn(rtx bool) {
	flags := SYN
	if e.state == SynReceived {
		flags |= ACK
	}
	if !rtx {
		e.startRTT(e.iss)
	}
	e.transmit(flags, e.iss, 0, rtx)
	e.sndNxt = e.iss + 1
	if seqGT(e.sndNxt, e.sndMax) {
		e.sndMax = e.sndNxt
	}
	if !e.rtxTimer.Pending() {
		e.rtxTimer.Set(e.host.deadline(e.rtoTimeout(), e.cfg.TimerLateProb))
	}
}

// passiveOpen answers a SYN on a listening port: a new endpoint in
// SYN_RECEIVED sends SYN,ACK (RFC 9293 3.10.7.2).
func (h *Host) passiveOpen(l *Listener, seg *Segment) {
	e := newEndpoint(h, l.settings, seg.DstPort, seg.SrcPort)
	e.lis = l
	e.passiv = true
	e.host.stateChanged(e, e.state, Listen)
	e.state = Listen
	if h.obs != nil {
		h.obs.Segment(h.sched.Now(), e, seg, SegReceived)
	}
	e.irs = seg.Seq
	e.rcvNxt = seg.Seq + 1
	e.peerSynOptions(seg)
	e.sndWnd = seg.Window
	e.sndWl1, e.sndWl2 = seg.Seq, seg.Ack
	e.setState(SynReceived)
	e.sendSyn(false)
}

// peerSynOptions takes the peer's MSS option: our segments are at most the
// smaller of our MSS and theirs (536 if they sent none).
//
// When both offered timestamps, every segment carries 12 option bytes, so
// a segment's payload is 12 bytes less (Linux's mss_cache, tcp_current_mss).
func (e *Endpoint) peerSynOptions(seg *Segment) {
	m := 536
	if seg.MSS != 0 {
		m = int(seg.MSS)
	}
	e.sndMSS = min(m, e.cfg.MSS)
	e.sackOK = e.cfg.SACK && seg.SACKOK
	if e.tsOK = e.cfg.Timestamps && seg.TS; e.tsOK {
		e.tsRecent = seg.TSVal
		e.sndMSS -= TSOptionLen
	}
	e.cwnd = 10 * e.sndMSS
}

// synSentInput processes a segment in SYN_SENT (RFC 9293 3.10.7.3).
func (e *Endpoint) synSentInput(seg *Segment) {
	ackOK := false
	if seg.Flags&ACK != 0 {
		if seqLE(seg.Ack, e.iss) || seqGT(seg.Ack, e.sndMax) {
			if seg.Flags&RST == 0 {
				e.host.sendReset(seg)
			}
			return
		}
		ackOK = true
	}
	if seg.Flags&RST != 0 {
		if ackOK {
			// Connection refused.
			e.softErr = ECONNREFUSED
			e.setState(Closed)
		}
		return
	}
	if seg.Flags&SYN == 0 {
		return
	}
	e.irs = seg.Seq
	e.rcvNxt = seg.Seq + 1
	e.peerSynOptions(seg)
	if ackOK {
		e.ackAdvance(seg.Ack)
		e.sndWnd = seg.Window
		e.sndWl1, e.sndWl2 = seg.Seq, seg.Ack
		e.setState(Established)
		// The third segment of the handshake goes at once
		// (tcp_rcv_synsent_state_process).
		e.sendAck()
		e.output()
		return
	}
	// Simultaneous open.
	e.setState(SynReceived)
	e.transmit(SYN|ACK, e.iss, 0, true)
}
