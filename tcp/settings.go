package tcp

import (
	"fmt"
	"math"
	"time"
)

// DelAckMode says how an endpoint delays its ACKs.
type DelAckMode string

const (
	// DelAckAdaptive is Linux's scheme: quick-ACK budget, adaptive ATO,
	// ping-pong mode, and a received FIN that enters ping-pong mode so that its
	// ACK is delayed (docs/tcp-model.md, rule 3).
	DelAckAdaptive DelAckMode = "adaptive"
	// DelAckFixed is the textbook scheme of BSD, Windows and RFC 1122: one
	// fixed timer (DelAckMax), an ACK at once for every second full-sized
	// segment, and an immediate ACK of a FIN.
	DelAckFixed DelAckMode = "fixed"
)

// UnreadClose says what close() does when received data is still unread.
type UnreadClose string

const (
	// UnreadCloseRST sends RST instead of FIN (RFC 2525 2.17; Linux, Windows).
	UnreadCloseRST UnreadClose = "rst"
	// UnreadCloseDiscard drops the unread data and sends FIN (FreeBSD).
	UnreadCloseDiscard UnreadClose = "discard"
)

// Settings are the TCP settings of one endpoint. A profile fills all of them;
// a scenario's `tcp:` block overrides any of them per endpoint. The YAML name
// of each field is given by settingFields.
type Settings struct {
	DelayedAck       bool          // delay ACKs at all (false: ACK every segment at once)
	DelAckMode       DelAckMode    // adaptive (Linux) or fixed
	DelAckMin        time.Duration // adaptive: the least and initial ATO (Linux TCP_ATO_MIN)
	DelAckMax        time.Duration // adaptive: the ATO ceiling (TCP_DELACK_MAX); fixed: the timer
	QuickAckSegments int           // ACKs sent at once at connection start (Linux TCP_MAX_QUICKACKS)
	AckEvery         int           // ACK at once when this many full-sized segments are unacknowledged
	RTOMin           time.Duration
	RTOInitial       time.Duration
	RTOMax           time.Duration
	MSL              time.Duration
	TimeWait         time.Duration // length of TIME_WAIT; 0 means 2*MSL
	FinWait2Timeout  time.Duration // orphaned FIN_WAIT_2 lifetime; 0 means wait forever
	SynRetries       int
	Retries2         int
	OrphanRetries    int // FIN retransmissions of an orphaned socket; 0 means 8 on Linux, as Retries2 elsewhere
	MSS              int
	RcvBuf           int
	SndBuf           int
	Nagle            bool
	RFC1337          bool        // ignore RST in TIME_WAIT (RFC 1337's fix)
	HZ               int         // kernel timer tick rate; 0 = exact timers
	UnreadClose      UnreadClose // close() with unread data: rst or discard

	// Behaviour that differs between stacks without a number to set,
	// each named so that no rule hides behind another setting.

	RTOFormula RTOFormula // how the RTO follows from SRTT and RTTVAR
	// FinWait2RTOFloor keeps an orphan in FIN_WAIT_2 at least 3.5 RTO
	// (Linux tcp_fin_time), whatever fin_wait2_timeout says.
	FinWait2RTOFloor bool
	// ZeroOrphanRetries is what orphan_retries 0 means: 8 on Linux
	// (tcp_orphan_retries()), retries2 elsewhere.
	ZeroOrphanRetries ZeroOrphanRetries
	// TimerLateProb is the share of kernel timer expiries handled one tick
	// late (the timer softirq deferred behind other work); with hz 0 it
	// has no effect. Linux's value is calibrated to measurements of the
	// delayed ACK of a FIN on Linux 6.18 at HZ=250: 93 % of them left
	// 40–44 ms after the FIN, the rest up to 47.9 ms.
	TimerLateProb float64
	// AckResendsFin: while our FIN is unacknowledged (FIN_WAIT_1, CLOSING,
	// LAST_ACK), every ACK goes out as a retransmission of the FIN carrying
	// the new acknowledgment (FreeBSD tcp_output), and the ACK field of a
	// duplicate segment is still processed (tcp_do_segment: "keep on
	// processing for RST or ACK"), so that such FINs end CLOSING and LAST_ACK.
	AckResendsFin bool
	// OOWAckRateLimit is tcp_invalid_ratelimit: at most one ACK per this
	// interval answers out-of-window SYNs and bare segments (challenge
	// ACKs included); data and FINs are always answered. 0: no limit.
	OOWAckRateLimit time.Duration
	// CloseWaitResetErrno is the error a RST received in CLOSE_WAIT leaves
	// for the application: EPIPE on Linux (tcp_reset: the peer's FIN came
	// first), ECONNRESET elsewhere.
	CloseWaitResetErrno Errno
	// EOFBeforeError: a read returns the end of file of a received FIN
	// before a pending error (Linux's SOCK_DONE check); BSD's soreceive
	// returns so_error first.
	EOFBeforeError bool
	// TimeWaitAnswers is how TIME_WAIT treats segments other than RST.
	TimeWaitAnswers TimeWaitAnswers
	// SACK offers selective acknowledgement (RFC 2018) in the SYN; emu
	// models only what it enables: the tail loss probe's loss detection.
	SACK bool
	// TailLossProbe sends a probe when the last segments in flight may be
	// lost (RFC 8985 7; Linux's default), if SACK was negotiated.
	TailLossProbe bool
	// ISN is how the initial sequence number of a connection is chosen.
	ISN ISNRule
	// Timestamps offers the timestamps option (RFC 7323) in the SYN;
	// when both sides offer it, every segment carries it (12 bytes less
	// payload per segment), tw_reuse may take over a TIME_WAIT port, and a
	// SYN with a newer timestamp reopens TIME_WAIT.
	Timestamps bool
	// RTOSlop is added to every retransmission timeout computed from an RTT
	// sample or a backoff (FreeBSD tcp_rexmit_slop, TCPT_RANGESET).
	RTOSlop time.Duration
}

// ISNRule names how initial sequence numbers are chosen.
type ISNRule string

const (
	// ISNLinux is secure_tcp_seq: a keyed hash of the 4-tuple plus a clock
	// that advances every 64 ns, so a connection that reuses a 4-tuple
	// starts above the old one's sequence space.
	ISNLinux ISNRule = "linux"
	// ISNRFC6528 is RFC 6528's M + F(4-tuple, secret) with M a 4 µs clock.
	ISNRFC6528 ISNRule = "rfc6528"
	// ISNFreeBSD is tcp_new_isn: the hash plus a host-wide offset that
	// grows by 4096 plus a random 0-4095 per connection and at least
	// 1 MiB per second.
	ISNFreeBSD ISNRule = "freebsd"
	// ISNRandom draws every ISN uniformly at random.
	ISNRandom ISNRule = "random"
)

// TimeWaitAnswers names how TIME_WAIT answers segments other than RST.
type TimeWaitAnswers string

const (
	// TimeWaitLinux is tcp_timewait_state_process: any segment with ACK
	// restarts the timer, and everything but a bare in-window ACK is
	// answered with an ACK.
	TimeWaitLinux TimeWaitAnswers = "linux"
	// TimeWaitRFC9293 is RFC 9293 3.10.7.4 and FreeBSD's tcp_twcheck: only
	// a retransmitted FIN restarts the timer, a segment without ACK is
	// dropped, and an exact duplicate ACK gets no answer.
	TimeWaitRFC9293 TimeWaitAnswers = "rfc9293"
)

// RTOFormula names how the retransmission timeout follows from the RTT
// estimates.
type RTOFormula string

const (
	// RTOLinux is tcp_set_rto: SRTT + max(4*RTTVAR, rto_min), so that the
	// minimum is added to the variance rather than bounding the sum.
	RTOLinux RTOFormula = "linux"
	// RTORFC6298 is RFC 6298 2.3: max(rto_min, SRTT + max(G, 4*RTTVAR)).
	RTORFC6298 RTOFormula = "rfc6298"
)

// ZeroOrphanRetries names what an orphan_retries of 0 means.
type ZeroOrphanRetries string

const (
	ZeroOrphanEight    ZeroOrphanRetries = "eight"    // Linux: 8 (tcp_orphan_retries())
	ZeroOrphanRetries2 ZeroOrphanRetries = "retries2" // as many as for data
)

// EffectiveTimeWait returns the TIME_WAIT length: TimeWait, or 2*MSL when it is 0.
func (s *Settings) EffectiveTimeWait() time.Duration {
	if s.TimeWait > 0 {
		return s.TimeWait
	}
	if s.MSL > math.MaxInt64/2 {
		return math.MaxInt64 // Validate refuses it; never wrap negative
	}
	return 2 * s.MSL
}

// Validate reports settings that cannot work together.
func (s *Settings) Validate() error {
	switch {
	case s.MSS < 64:
		return fmt.Errorf("mss %d is below 64 bytes", s.MSS)
	case s.RcvBuf < s.MSS:
		return fmt.Errorf("rcv_buf %d is smaller than mss %d", s.RcvBuf, s.MSS)
	case s.SndBuf < 1:
		return fmt.Errorf("snd_buf must be at least 1 byte")
	case s.RTOMin <= 0 || s.RTOInitial <= 0 || s.RTOMax <= 0:
		return fmt.Errorf("rto_min, rto_initial and rto_max must be positive")
	case s.RTOMin > s.RTOMax:
		return fmt.Errorf("rto_min %v is above rto_max %v", s.RTOMin, s.RTOMax)
	case s.DelayedAck && s.DelAckMax <= 0:
		return fmt.Errorf("delack_max must be positive when delayed_ack is on")
	case s.DelAckMin > s.DelAckMax:
		return fmt.Errorf("delack_min %v is above delack_max %v", s.DelAckMin, s.DelAckMax)
	case s.AckEvery < 1:
		return fmt.Errorf("ack_every must be at least 1")
	case s.HZ > 100000:
		return fmt.Errorf("hz %d is above 100000", s.HZ)
	case s.TimeWait == 0 && s.MSL > math.MaxInt64/2:
		return fmt.Errorf("msl %v is too long: TIME_WAIT lasts 2 × msl, which must be at most 2562047h (about 292 years)", s.MSL)
	case s.EffectiveTimeWait() <= 0:
		return fmt.Errorf("time_wait and msl are both 0")
	}
	return nil
}
