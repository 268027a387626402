package packetdrill

import (
	"fmt"
	"strings"
)

// Status is how a script ended.
type Status uint8

// Script outcomes.
const (
	Pass        Status = iota + 1 // every line held
	Fail                          // a line did not hold
	Unsupported                   // the script needs something emu does not model
)

// Result is the outcome of one script.
type Result struct {
	Status Status
	// Lenient lists what was not compared or not run (TS values, windows,
	// ignored shell lines, ...), on a pass and on a failure.
	Lenient []string
	// Feature names what an unsupported script needs.
	Feature string
	// For a failure: where, what, and the two sides.
	File     string
	Line     int
	Msg      string
	Expected string // the script's line
	Actual   string // what emu did, in the script's syntax
}

// String writes the result on one line: "ok", "ok (lenient: ...)",
// "FAIL file:line: ...", or "unsupported: ...".
func (r Result) String() string {
	switch r.Status {
	case Pass:
		if len(r.Lenient) == 0 {
			return "ok"
		}
		return "ok (lenient: " + strings.Join(r.Lenient, "; ") + ")"
	case Unsupported:
		return "unsupported: " + r.Feature
	}
	s := fmt.Sprintf("FAIL %s:%d: %s", r.File, r.Line, r.Msg)
	if r.Expected != "" {
		s += fmt.Sprintf("; script: %q", r.Expected)
	}
	if r.Actual != "" {
		s += fmt.Sprintf("; emu: %q", r.Actual)
	}
	if len(r.Lenient) > 0 {
		s += " (lenient: " + strings.Join(r.Lenient, "; ") + ")"
	}
	return s
}
