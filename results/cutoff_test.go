package results

import "testing"

// TestClassifyHandshakeCutOff: a run that stop_after or max_events ended
// while the handshake was still under way is incomplete, not no-connect:
// nothing decided yet that the connection fails. Once it is decided (a RST
// answered the SYN, connect failed, the client gave up), it is no-connect
// whether or not a budget ended the run afterwards.
func TestClassifyHandshakeCutOff(t *testing.T) {
	cases := []struct {
		name string
		r    *Run
		w    want
	}{
		{"SYN retransmitting at the horizon", &Run{
			Segments: []Segment{
				tx(0, lost, Client, syn, cISN, 0, 0),
				re(tx(1000, lost, Client, syn, cISN, 0, 0)),
			},
			HitHorizon: true, CutShort: true,
		}, want{typ: Incomplete, retransmits: 1}},
		{"budget before the first segment", &Run{HitHorizon: true, CutShort: true, HitBudget: true}, want{typ: Incomplete}},
		{"refused, then the horizon", &Run{
			Segments: []Segment{
				tx(0, 10, Client, syn, cISN, 0, 0),
				tx(10, 20, Server, rst|ack, 0, cISN+1, 0),
			},
			Errors:     [2]string{"ECONNREFUSED", ""},
			HitHorizon: true, CutShort: true,
		}, want{typ: NoConnect, firstCloser: ServerSide, rstFrom: ServerSide}},
		{"timed out, then the horizon", &Run{
			Segments:   []Segment{tx(0, lost, Client, syn, cISN, 0, 0)},
			GaveUp:     [2]bool{true, false},
			Errors:     [2]string{"ETIMEDOUT", ""},
			HitHorizon: true, CutShort: true,
		}, want{typ: NoConnect}},
		{"never connected, queue drained", &Run{}, want{typ: NoConnect}},
		// A capture's end is no budget: an unanswered SYN there stays
		// no-connect (emu classify's convention).
		{"capture ends during the handshake", &Run{
			Segments:   []Segment{tx(0, lost, Client, syn, cISN, 0, 0)},
			HitHorizon: true,
		}, want{typ: NoConnect}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { check(t, c.r, c.w) })
	}
}
