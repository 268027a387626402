//go:build !linux

package engine

import "time"

// threadCPU reports that the CPU time of a thread is not read on this system.
func threadCPU() (time.Duration, bool) { return 0, false }
