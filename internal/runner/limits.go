package runner

import (
	"fmt"
	"math/bits"
)

// MaxJobs bounds Options.Jobs: each worker holds a simulator and a share of
// the reorder window, and no machine has more cores than this.
const MaxJobs = 4096

// TotalRuns returns points × runs, or an error when that overflows int64
// (a total that wrapped would slip past any limit on the sweep's size).
func TotalRuns(points, runs int) (int64, error) {
	if points < 0 || runs < 0 {
		return 0, fmt.Errorf("negative sweep size: %d points of %d runs", points, runs)
	}
	hi, lo := bits.Mul64(uint64(points), uint64(runs))
	if hi != 0 || lo > 1<<63-1 {
		return 0, fmt.Errorf("%d points of %d runs are more runs than can be counted", points, runs)
	}
	return int64(lo), nil
}
