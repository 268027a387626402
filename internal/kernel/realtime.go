package kernel

import (
	"time"

	"golang.org/x/sys/unix"
)

// spinWindow is how long before a deadline the relay stops sleeping and
// busy-waits: a nanosleep at 1 ns timer slack still wakes some tens of
// microseconds late on an idle machine, more on a loaded one.
const spinWindow = 200 * time.Microsecond

// monotonic returns CLOCK_MONOTONIC in nanoseconds. Every process of a run
// (relay, side helpers) reads the same clock, so their timestamps compare.
func monotonic() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

// preciseThread prepares the calling OS thread for precise sleeps: a timer
// slack of 1 ns instead of the default 50 µs. The caller must have locked
// its goroutine to the thread (runtime.LockOSThread): the setting belongs
// to the thread.
func preciseThread() error {
	return unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0)
}

// sleepUntil blocks until CLOCK_MONOTONIC reaches deadline (ns): nanosleep
// until spinWindow before it, then a busy wait. Go's time.Sleep goes
// through the runtime's timers and wakes up to half a millisecond late.
func sleepUntil(deadline int64) {
	for {
		left := deadline - monotonic()
		if left <= int64(spinWindow) {
			break
		}
		ts := unix.NsecToTimespec(left - int64(spinWindow))
		_ = unix.Nanosleep(&ts, nil)
	}
	for monotonic() < deadline {
	}
}
