package tcp

import (
	"fmt"
	"time"
)

// ProfileNames lists the built-in profiles; linux is the default.
var ProfileNames = []string{"linux", "freebsd", "windows", "rfc9293"}

// Profile returns the settings of a built-in profile.
func Profile(name string) (Settings, error) {
	switch name {
	case "", "linux":
		return linuxProfile(), nil
	case "freebsd":
		return freebsdProfile(), nil
	case "windows":
		return windowsProfile(), nil
	case "rfc9293":
		return rfc9293Profile(), nil
	}
	return Settings{}, fmt.Errorf("unknown profile %q (linux, freebsd, windows or rfc9293)", name)
}

// linuxProfile: values from include/net/tcp.h and the ipv4 sysctl defaults of
// Linux 6.x.
func linuxProfile() Settings {
	return Settings{
		DelayedAck:       true,
		DelAckMode:       DelAckAdaptive,
		DelAckMin:        40 * time.Millisecond,  // TCP_ATO_MIN = HZ/25 (include/net/tcp.h)
		DelAckMax:        200 * time.Millisecond, // TCP_DELACK_MAX = HZ/5
		QuickAckSegments: 16,                     // TCP_MAX_QUICKACKS
		AckEvery:         2,                      // __tcp_ack_snd_check: more than one full-sized segment unACKed
		RTOMin:           200 * time.Millisecond, // TCP_RTO_MIN = HZ/5
		RTOInitial:       time.Second,            // TCP_TIMEOUT_INIT (RFC 6298)
		RTOMax:           120 * time.Second,      // TCP_RTO_MAX
		MSL:              30 * time.Second,       // not used for TIME_WAIT on Linux; kept for 2*MSL users
		TimeWait:         60 * time.Second,       // TCP_TIMEWAIT_LEN, fixed
		FinWait2Timeout:  60 * time.Second,       // TCP_FIN_TIMEOUT, sysctl tcp_fin_timeout
		SynRetries:       6,                      // TCP_SYN_RETRIES, sysctl tcp_syn_retries
		Retries2:         15,                     // TCP_RETR2, sysctl tcp_retries2
		OrphanRetries:    8,                      // tcp_orphan_retries = 0 means 8 (tcp_orphan_retries() in tcp_timer.c)
		MSS:              1460,                   // Ethernet MTU 1500 - 40
		RcvBuf:           131072,                 // sysctl tcp_rmem[1]
		SndBuf:           16384,                  // sysctl tcp_wmem[1]
		Nagle:            true,
		RFC1337:          false, // sysctl tcp_rfc1337 = 0
		HZ:               250,   // CONFIG_HZ_250 on Debian's kernels
		UnreadClose:      UnreadCloseRST,

		RTOFormula:        RTOLinux,        // tcp_set_rto (net/ipv4/tcp_input.c)
		FinWait2RTOFloor:  true,            // tcp_fin_time (include/net/tcp.h)
		ZeroOrphanRetries: ZeroOrphanEight, // tcp_orphan_retries() (net/ipv4/tcp_timer.c)
		// Measured (Linux 6.18, HZ=250, veth): 7 % of 910 delayed ACKs of
		// a FIN left after 44 ms, up to 47.9 ms: one tick late. 0.09
		// also brings the three-way share of a close 45 ms after the FIN
		// (0.19-0.20 measured) within reach without passing 10 % late.
		TimerLateProb: 0.09,

		OOWAckRateLimit:     500 * time.Millisecond, // sysctl tcp_invalid_ratelimit (net/ipv4/tcp_input.c)
		CloseWaitResetErrno: EPIPE,                  // tcp_reset: TCP_CLOSE_WAIT -> EPIPE
		EOFBeforeError:      true,                   // tcp_recvmsg checks SOCK_DONE before sock_error
		TimeWaitAnswers:     TimeWaitLinux,          // tcp_timewait_state_process
		ISN:                 ISNLinux,               // secure_tcp_seq (net/core/secure_seq.c)
		Timestamps:          true,                   // sysctl tcp_timestamps = 1
		SACK:                true,                   // sysctl tcp_sack = 1
		TailLossProbe:       true,                   // sysctl tcp_early_retrans = 3 (TLP on)
	}
}

// freebsdProfile: values from sys/netinet/tcp_timer.h and tcp_var.h of
// FreeBSD 13/14.
func freebsdProfile() Settings {
	return Settings{
		DelayedAck:       true,
		DelAckMode:       DelAckFixed,
		DelAckMin:        40 * time.Millisecond,
		DelAckMax:        40 * time.Millisecond, // TCPTV_DELACK = hz/25 since FreeBSD 13 (was hz/10 = 100 ms)
		QuickAckSegments: 0,                     // none: the first data segment's ACK is delayed too (DELAY_ACK in tcp_input; FreeBSD's tcp-testsuite rcv-data-segments)
		AckEvery:         2,                     // tcp_input: ACK every second full-sized segment
		RTOMin:           30 * time.Millisecond, // TCPTV_MIN = hz/33, sysctl net.inet.tcp.rexmit_min
		RTOInitial:       time.Second,           // TCPTV_RTOBASE
		RTOMax:           64 * time.Second,      // TCPTV_REXMTMAX
		MSL:              30 * time.Second,      // TCPTV_MSL, sysctl net.inet.tcp.msl
		TimeWait:         0,                     // 2*MSL = 60 s
		FinWait2Timeout:  60 * time.Second,      // TCPTV_FINWAIT2_TIMEOUT, sysctl net.inet.tcp.finwait2_timeout
		SynRetries:       12,                    // TCP_MAXRXTSHIFT bounds SYN retransmissions too
		Retries2:         12,                    // TCP_MAXRXTSHIFT
		OrphanRetries:    12,                    // orphans are bounded like data
		MSS:              1460,
		RcvBuf:           65536, // net.inet.tcp.recvspace
		SndBuf:           32768, // net.inet.tcp.sendspace
		Nagle:            true,
		RFC1337:          true, // tcp_twcheck drops RSTs in TIME_WAIT
		HZ:               0,    // callouts are fine-grained; modelled as exact
		UnreadClose:      UnreadCloseDiscard,

		RTOFormula:        RTORFC6298,
		FinWait2RTOFloor:  false,
		ZeroOrphanRetries: ZeroOrphanRetries2,

		CloseWaitResetErrno: ECONNRESET,
		TimeWaitAnswers:     TimeWaitRFC9293,
		ISN:                 ISNFreeBSD,             // tcp_new_isn (sys/netinet/tcp_subr.c)
		Timestamps:          true,                   // net.inet.tcp.rfc1323 = 1
		SACK:                true,                   // net.inet.tcp.sack.enable = 1
		TailLossProbe:       false,                  // the default stack has no TLP (the RACK stack does)
		AckResendsFin:       true,                   // tcp_output: a FIN state with TF_SENTFIN and snd_nxt == snd_max sends the FIN again
		RTOSlop:             200 * time.Millisecond, // tcp_rexmit_slop = TCPTV_CPU_VAR (hz/5), added by TCPT_RANGESET
	}
}

// windowsProfile: values from Microsoft's TCP/IP parameter documentation
// (TcpAckFrequency, TcpTimedWaitDelay, TcpMaxDataRetransmissions,
// TcpMaxConnectRetransmissions). RTO min/max are approximate and the
// FIN_WAIT_2 timeout is an assumption; TCP-FACTS.md says so too.
func windowsProfile() Settings {
	return Settings{
		DelayedAck:       true,
		DelAckMode:       DelAckFixed,
		DelAckMin:        200 * time.Millisecond,
		DelAckMax:        200 * time.Millisecond, // TcpDelAckTicks default 2 (200 ms)
		QuickAckSegments: 0,
		AckEvery:         2,                      // TcpAckFrequency default 2
		RTOMin:           300 * time.Millisecond, // approximate
		RTOInitial:       time.Second,            // Windows 7 and later
		RTOMax:           60 * time.Second,       // approximate
		MSL:              60 * time.Second,
		TimeWait:         120 * time.Second, // TcpTimedWaitDelay default since Server 2003
		FinWait2Timeout:  120 * time.Second, // assumed
		SynRetries:       2,                 // TcpMaxConnectRetransmissions
		Retries2:         5,                 // TcpMaxDataRetransmissions
		OrphanRetries:    5,
		MSS:              1460,
		RcvBuf:           65536,
		SndBuf:           65536,
		Nagle:            true,
		RFC1337:          false, // assumed: an RST ends TIME_WAIT
		HZ:               0,
		UnreadClose:      UnreadCloseRST,

		RTOFormula:        RTORFC6298,
		FinWait2RTOFloor:  false,
		ZeroOrphanRetries: ZeroOrphanRetries2,

		CloseWaitResetErrno: ECONNRESET,
		TimeWaitAnswers:     TimeWaitRFC9293,
		ISN:                 ISNRFC6528, // assumed: Windows follows RFC 6528
		Timestamps:          false,      // Tcp1323Opts: timestamps off by default (assumed)
		SACK:                true,       // SackOpts = 1
		TailLossProbe:       true,       // Windows 10 and later send tail loss probes (assumed on)
	}
}

// rfc9293Profile: the specification's own values (RFC 9293, RFC 1122, RFC 6298).
func rfc9293Profile() Settings {
	return Settings{
		DelayedAck:       true,
		DelAckMode:       DelAckFixed,
		DelAckMin:        200 * time.Millisecond,
		DelAckMax:        200 * time.Millisecond, // RFC 1122 4.2.3.2: less than 0.5 s
		QuickAckSegments: 0,
		AckEvery:         2,                // RFC 1122 4.2.3.2: every second full-sized segment
		RTOMin:           time.Second,      // RFC 6298 2.4
		RTOInitial:       time.Second,      // RFC 6298 2.1
		RTOMax:           60 * time.Second, // RFC 6298 2.5 allows a maximum of at least 60 s
		MSL:              2 * time.Minute,  // RFC 9293 3.4.2
		TimeWait:         0,                // 2*MSL = 240 s
		FinWait2Timeout:  0,                // the specification waits
		SynRetries:       7,                // R2 for SYN at least 3 minutes (RFC 1122 4.2.3.5): 1+2+...+60+60 s
		Retries2:         6,                // R2 at least 100 s: 1+2+4+8+16+32+60 s
		OrphanRetries:    6,
		MSS:              1460,
		RcvBuf:           65535,
		SndBuf:           65535,
		Nagle:            true,
		RFC1337:          true,
		HZ:               0,
		UnreadClose:      UnreadCloseRST, // RFC 2525 2.17 / RFC 1122 4.2.2.13: SHOULD send RST

		RTOFormula:        RTORFC6298,
		FinWait2RTOFloor:  false,
		ZeroOrphanRetries: ZeroOrphanRetries2,

		CloseWaitResetErrno: ECONNRESET,
		TimeWaitAnswers:     TimeWaitRFC9293,
		ISN:                 ISNRFC6528, // RFC 9293 3.4.1 refers to RFC 6528
		Timestamps:          false,      // RFC 7323 is not part of the base specification
		SACK:                false,      // RFC 2018 neither
		TailLossProbe:       false,      // RFC 8985 neither
	}
}
