//go:build race

package scenarios

// raceSlowdown scales the time bounds of the strict fuzz target: the race
// detector makes the loader several times slower.
const raceSlowdown = 10
