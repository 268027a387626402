package runner

import (
	"bytes"
	"testing"

	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/scenarios"
)

// TestScenarioStreamedSameBytes: summary.json written point by point
// (resolvedScenario as results.ListedJSON) has the bytes of the whole
// struct encoded at once.
func TestScenarioStreamedSameBytes(t *testing.T) {
	b, _ := scenarios.Builtin("delayed-ack-boundary")
	s, err := scenarios.Load("d", b)
	if err != nil {
		t.Fatal(err)
	}
	points, err := s.Points()
	if err != nil {
		t.Fatal(err)
	}
	plan := NewPlan(points, "v", 0, 0, false)
	rs := plan.Scenario.(resolvedScenario)
	type plain resolvedScenario // the same struct without the methods
	var streamed, whole bytes.Buffer
	if err := results.WriteSummaryJSON(&streamed, "v", rs, plan.Keys, nil); err != nil {
		t.Fatal(err)
	}
	if err := results.WriteSummaryJSON(&whole, "v", plain(rs), plan.Keys, nil); err != nil {
		t.Fatal(err)
	}
	if streamed.Len() < 10000 || !bytes.Equal(streamed.Bytes(), whole.Bytes()) {
		t.Errorf("streamed %d bytes, whole %d; equal %v", streamed.Len(), whole.Len(), bytes.Equal(streamed.Bytes(), whole.Bytes()))
	}
}

// TestFingerprintFromOrigin: with an Origin the fingerprint hashes it, not
// the resolved points (marshalling those took 20 s for 100 000 points).
func TestFingerprintFromOrigin(t *testing.T) {
	a, b := boundaryPlan(2), boundaryPlan(2)
	a.Origin, b.Origin = []byte("source"), []byte("source")
	a.Scenario, b.Scenario = "one", "other"
	if Fingerprint(a) != Fingerprint(b) {
		t.Error("same origin, different fingerprints")
	}
	b.Origin = []byte("source 2")
	if Fingerprint(a) == Fingerprint(b) {
		t.Error("different origins, same fingerprint")
	}
	b.Origin = nil
	if Fingerprint(b) == Fingerprint(boundaryPlan(2)) {
		t.Error("without an origin the scenario must count")
	}
}
