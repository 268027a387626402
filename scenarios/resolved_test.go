package scenarios

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestResolvedRepeatsThePoints: the file Resolved writes after Set loads
// back to the same sweep keys, the same values and, point by point, the
// same resolved configuration (compared as summary.json writes it); the
// keys Set fixed are gone from sweep:, and the file's comments are kept.
func TestResolvedRepeatsThePoints(t *testing.T) {
	src := `# a comment that stays
name: r
seed: 4
runs: 3
stop_after: 1m
link: {delay: 2ms, reverse: &rev {jitter: 1ms}, forward: *rev}
vars: {close_delay: 0ms, n: 100B}
client:
  do: [connect, {send: "${n}"}, close]
server:
  do: [accept, {read: eof}, {sleep: "${close_delay}"}, close]
sweep:
  close_delay: [0ms, 40ms]
  link.loss: [0, 0.1]
  n: [10B, 1KiB]
`
	for _, c := range []struct {
		name     string
		sets     [][2]string
		wantKeys []string
	}{
		{"no sets", nil, []string{"close_delay", "link.loss", "n"}},
		{"a var", [][2]string{{"n", "5B"}}, []string{"close_delay", "link.loss"}},
		{"a swept path", [][2]string{{"link.loss", "0.25"}}, []string{"close_delay", "n"}},
		{"a setting, runs and seed", [][2]string{{"link.delay", "7ms"}, {"runs", "9"}, {"seed", "18446744073709551615"}, {"client.tcp.delayed_ack", "false"}}, []string{"close_delay", "link.loss", "n"}},
		{"every sweep key", [][2]string{{"close_delay", "3ms"}, {"link.loss", "0"}, {"n", "1B"}}, []string{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Load("r.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			for _, kv := range c.sets {
				if err := s.Set(kv[0], kv[1]); err != nil {
					t.Fatal(err)
				}
			}
			out, err := s.Resolved()
			if err != nil {
				t.Fatal(err)
			}
			again, err := Load("resolved.yaml", out)
			if err != nil {
				t.Fatalf("Resolved's file does not load: %v\n%s", err, out)
			}
			if got := again.Keys(); !slices.Equal(got, c.wantKeys) {
				t.Errorf("sweep keys %q, want %q\n%s", got, c.wantKeys, out)
			}
			if len(c.wantKeys) == 0 && strings.Contains(string(out), "sweep:") {
				t.Errorf("an empty sweep: is left:\n%s", out)
			}
			if !strings.Contains(string(out), "# a comment that stays") {
				t.Errorf("the comment is gone:\n%s", out)
			}
			a, err := s.Points()
			if err != nil {
				t.Fatal(err)
			}
			b, err := again.Points()
			if err != nil {
				t.Fatal(err)
			}
			if len(a) != len(b) {
				t.Fatalf("%d points, the resolved file has %d", len(a), len(b))
			}
			for i := range a {
				ja, _ := json.Marshal(a[i].Config)
				jb, _ := json.Marshal(b[i].Config)
				if string(ja) != string(jb) || !slices.Equal(a[i].Values, b[i].Values) {
					t.Errorf("point %d differs:\n%s %v\n%s %v", i, ja, a[i].Values, jb, b[i].Values)
				}
			}
		})
	}
}
