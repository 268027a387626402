package kernel

import (
	"errors"
	"os"
	"strconv"
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

// Real-time priorities (SCHED_FIFO). On a busy machine a normal process
// waits its turn for the CPU: a side program's sleep or read ends late, a
// packet leaves the relay late. As real-time tasks they run as soon as they
// are woken; they block or sleep nearly all the time, and the kernel keeps
// 5 % of the CPU for everything else (sched_rt_runtime_us). The relay's
// thread outranks the programs: its timing is the link's.
const (
	relayPriority = 20
	sidePriority  = 10
)

// fifo puts thread tid (0: the calling thread) in SCHED_FIFO at prio.
func fifo(tid, prio int) error {
	return unix.SchedSetAttr(tid, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_FIFO, Priority: uint32(prio)}, 0)
}

// realtimeProcess puts every thread of this process in SCHED_FIFO at prio;
// threads it starts later inherit the policy, and so do the processes it
// starts (a fork's child).
func realtimeProcess(prio int) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := fifo(tid, prio); err != nil && !errors.Is(err, unix.ESRCH) {
			return err
		}
	}
	return nil
}
