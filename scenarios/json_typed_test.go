package scenarios

import (
	"encoding/json"
	"testing"
)

// TestSettingsTyped: summary.json records TCP settings with JSON's types:
// booleans and counts as such, durations and names as text in the
// scenario file's form. The values are the linux profile's and one
// override, written by hand.
func TestSettingsTyped(t *testing.T) {
	s, err := Load("t.yaml", []byte("name: t\nclient:\n  tcp: {nagle: false, mss: 1200}\n  do: [connect, close]\nserver:\n  do: [accept, close]\n"))
	if err != nil {
		t.Fatal(err)
	}
	pts, err := s.Points()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(pts[0].Config)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Client struct {
			TCP map[string]any `json:"tcp"`
		} `json:"client"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{
		"nagle": false, "delayed_ack": true, "mss": 1200.0, "rcv_buf": 131072.0, "quickack_segments": 16.0,
		"delack_min": "40ms", "time_wait": "1m0s", "delack_mode": "adaptive",
	} {
		if got := doc.Client.TCP[k]; got != want {
			t.Errorf("%s: %#v (%T), want %#v (%T)", k, got, got, want, want)
		}
	}
}
