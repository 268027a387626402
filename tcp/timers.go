package tcp

import (
	"time"

	"github.com/emu-sim/emu/engine"
)

// Kernel timers. Linux counts time in jiffies (ticks of 1/HZ) and keeps its
// timers in a wheel (kernel/time/timer.c): a timer due in fewer than 63
// ticks sits in level 0 at one-tick granularity, and each further level is
// eight times coarser. Enqueueing rounds the expiry up to the next multiple
// of its level's granularity, strictly after the requested jiffy
// (calc_index), so that a timer never fires early: 40 ms at HZ=250 fires
// 40–44 ms after it was armed, and TIME_WAIT's 60 s (15 000 ticks, level 3,
// 512-tick granularity) 60.0–62.05 s after.
//
// Now and then the timer softirq runs a tick late (it was deferred behind
// other work): Settings.TimerLateProb is the share of expiries handled one
// tick after their bucket came due.

// jiffyBits bounds the random jiffies count at time 0: enough for the
// coarsest level a TCP timer reaches (level 4, 4096 ticks) to start at any
// alignment.
const jiffyBits = 21

// wheelLevelStart is LVL_START(n) for n = 1..8: the least delta, in ticks,
// that puts a timer in level n; LVL_CLK_SHIFT is 3 and LVL_SIZE 64.
var wheelLevelStart = [...]int64{63, 63 << 3, 63 << 6, 63 << 9, 63 << 12, 63 << 15, 63 << 18, 63 << 21}

// wheelBucket returns the jiffy at which a timer for the absolute jiffy exp,
// armed at jiffy clk, fires: its level's granularity from exp - clk, then
// the next multiple of that granularity after exp.
func wheelBucket(exp, clk int64) int64 {
	delta := exp - clk
	lvl := 0
	for lvl < len(wheelLevelStart) && delta >= wheelLevelStart[lvl] {
		lvl++
	}
	shift := uint(3 * lvl)
	return (exp>>shift + 1) << shift
}

// SetTimerRandom gives the host its own random stream for late timer
// expiries (Settings.TimerLateProb), so that they do not shift the host's
// other draws. Without it the host's stream is used. Reset clears it.
func (h *Host) SetTimerRandom(rng *engine.Stream) { h.timerRN = rng }

// deadline returns when a kernel timer armed now for d fires. Without a
// tick (hz 0) it is exactly now+d. With one, the timer counts whole ticks
// from the current jiffy and the wheel rounds the expiry up (see above);
// with probability lateProb the expiry is handled one tick later still.
func (h *Host) deadline(d time.Duration, lateProb float64) engine.Time {
	now := h.sched.Now()
	if h.tick == 0 {
		return now.Add(d)
	}
	t := int64(h.tick)
	rel := int64(now) - int64(h.phase)
	j := rel / t
	if rel < 0 && rel%t != 0 {
		j--
	}
	n := (int64(d) + t - 1) / t
	clk := h.jiffy0 + j
	fire := wheelBucket(clk+n, clk) - h.jiffy0
	if lateProb > 0 {
		rng := h.timerRN
		if rng == nil {
			rng = h.rng
		}
		if rng.Float64() < lateProb {
			fire++
		}
	}
	return engine.Time(int64(h.phase) + fire*t)
}
