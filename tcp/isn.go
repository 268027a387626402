package tcp

// Initial sequence numbers (RFC 9293 3.4.1, RFC 6528). The rule matters for
// how connections end when 4-tuples are reused: a SYN that meets the peer's
// TIME_WAIT opens a new connection at once only if its sequence number is
// above the old connection's, which a clock-driven ISN almost always gives
// and a random one gives half of the time (the other half ends in
// ACK, RST, and a SYN retransmitted a second later).

// isnMix is SplitMix64's finaliser: the keyed hash of a 4-tuple. emu's
// hosts have one address each, so the ports are the 4-tuple.
func isnMix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// initClock draws the host's secret key, its clock's reading at virtual
// time 0 and its offsets, once, at the first connection.
func (h *Host) initClock() {
	if !h.isnReady {
		h.isnReady = true
		h.isnKey = h.rng.Uint64()
		h.isnClock = h.rng.Int64N(1 << 50)
		h.isnOffset = uint32(h.rng.Uint64())
		h.tsOffset = uint32(isnMix(h.isnKey ^ 0x7473))
	}
}

// tsClock is the host's timestamp clock (RFC 7323): milliseconds, as Linux's
// tcp_clock_ts since 4.13, plus an offset per pair of addresses
// (secure_tcp_ts_off; emu's hosts have one address each).
func (h *Host) tsClock() uint32 {
	h.initClock()
	return uint32((h.isnClock+int64(h.sched.Now()))/1e6) + h.tsOffset
}

// isn returns the initial sequence number of a new connection from local to
// remote port under rule. The host's secret key and its clock's reading at
// virtual time 0 (a machine's clock is anywhere when the run starts) are
// drawn from its stream at its first connection.
func (h *Host) isn(rule ISNRule, local, remote uint16) uint32 {
	if rule == ISNRandom || rule == "" {
		return uint32(h.rng.Uint64())
	}
	h.initClock()
	hash := uint32(isnMix(h.isnKey ^ uint64(local)<<16 ^ uint64(remote)))
	clock := h.isnClock + int64(h.sched.Now()) // ns
	switch rule {
	case ISNLinux:
		// secure_tcp_seq: seq_scale adds ktime_get_real_ns() >> 6.
		return hash + uint32(clock>>6)
	case ISNFreeBSD:
		// tcp_new_isn: the offset grows by ISN_STATIC_INCREMENT plus a
		// random part per connection, and at least ISN_BYTES_PER_SECOND
		// (1 MiB) per second of the clock.
		h.isnOffset += 4096 + uint32(h.rng.IntN(4096))
		if projected := uint32(clock / 1000 * 1048576 / 1_000_000); int32(projected-h.isnOffset) > 0 {
			h.isnOffset = projected
		}
		return hash + h.isnOffset
	}
	// RFC 6528: M is a timer that ticks every 4 µs.
	return hash + uint32(clock/4000)
}
