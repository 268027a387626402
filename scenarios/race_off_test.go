//go:build !race

package scenarios

// raceSlowdown scales the time bounds of the strict fuzz target (1 without
// the race detector).
const raceSlowdown = 1
