// Package results turns the record of a run into the answers emu exists for:
// how the connection ended (its close type), what that cost (teardown time,
// TIME_WAIT, retransmissions), and how often each ending happens across the
// runs of a sweep point, with confidence intervals.
//
// The package is deliberately independent of how a run is simulated: the
// driver fills a [Run] with what went over the wire and what each endpoint
// reported, [Classify] reads only that record, and the writers in csv.go and
// json.go produce the files described in the user contract (runs.csv,
// summary.csv, summary.json). Every file is written whole or not at all
// (atomic.go).
//
// Determinism: nothing here reads the clock, iterates a map into output or
// depends on the order in which points were accumulated beyond the order of
// rows, so the same runs always give the same bytes.
package results
