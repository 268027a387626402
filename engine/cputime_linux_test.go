package engine

import (
	"syscall"
	"time"
)

// rusageThread is RUSAGE_THREAD, which the syscall package does not name.
const rusageThread = 1

// threadCPU returns the CPU time the calling OS thread has used, or false if
// it cannot be read. Benchmarks lock their goroutine to its thread and report
// this beside wall time: on a machine shared with other work, time spent
// descheduled inflates wall time but not CPU time.
func threadCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
