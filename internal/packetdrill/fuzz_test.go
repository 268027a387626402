package packetdrill

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emu-sim/emu/tcp"
)

// FuzzScript: any text either parses or fails with file:line messages, and
// a script that parses runs to a result (never a panic, never a hang: the
// event budget bounds it).
func FuzzScript(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.pkt")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(string(b))
		}
	}
	s, _ := tcp.Profile("linux")
	f.Fuzz(func(t *testing.T, text string) {
		sc, err := Parse("f.pkt", text, "Linux")
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "f.pkt:") {
					t.Fatalf("message without file:line: %q", line)
				}
			}
			return
		}
		r := Run(sc, Options{Profile: "linux", Settings: s, TolerancePercent: -1, EventBudget: 20000})
		if r.Status != Pass && r.Status != Fail && r.Status != Unsupported {
			t.Fatalf("status %d", r.Status)
		}
		if r.String() == "" {
			t.Fatal("empty result")
		}
	})
}
