//go:build race

package main

// raceEnabled skips tests that are too slow under the race detector.
const raceEnabled = true
