package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateEveryPoint: validate rejects what run rejects. Load checks
// each sweep value against the base point, so a limit across two swept
// keys held at every value alone and failed only at one combination; and a
// long list was checked only up to a work budget. validate now resolves
// every point.
func TestValidateEveryPoint(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		// Only the last point, (1460, 1000), fails; each value alone, with
		// the other key at its first value, passes.
		{"mss and mtu", `name: x
vars: {mss: 500}
client:
  tcp: {mss: "${mss}"}
  do: [connect, close]
server:
  tcp: {mss: "${mss}"}
  do: [accept, close]
sweep:
  mss: [500, 1460]
  link.mtu: [1500, 1000]
`, "mss 1460 does not fit the link's mtu 1000"},
		{"rto_min and rto_max", `name: x
client:
  do: [connect, close]
server:
  do: [accept, close]
sweep:
  client.tcp.rto_min: [200ms, 2s]
  client.tcp.rto_max: [120s, 1s]
`, "rto_min"},
	}
	for _, c := range cases {
		f := filepath.Join(t.TempDir(), "x.yaml")
		os.WriteFile(f, []byte(c.src), 0o644)
		_, errs, code := emu(t, "", "validate", f)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: validate exit %d, %q; want 2 with %q", c.name, code, errs, c.want)
		}
		_, rerrs, rcode := emu(t, "", "run", f, "--quiet", "--out", filepath.Join(t.TempDir(), "o"))
		if rcode != 2 || !strings.Contains(rerrs, c.want) {
			t.Errorf("%s: run exit %d, %q", c.name, rcode, rerrs)
		}
	}
}
