package packetdrill

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/emu-sim/emu/tcp"
)

// suiteDir holds the one-endpoint scripts written from the kernels' rules:
// linux/ runs against the linux profile, freebsd/ against freebsd.
const suiteDir = "../../testdata/packetdrill"

// suiteSeeds: each script runs once per seed, i.e. per timer-tick phase, as
// a real kernel's HZ=250 tick falls anywhere relative to the script's
// events; a script must hold at every phase.
const suiteSeeds = 8

// knownDifferences are scripts that fail against emu for a reason filed as
// an issue. Each is still run: while it fails the test skips with the
// runner's difference; once it passes the test fails, so that the entry is
// removed.
var knownDifferences = map[string]string{}

// TestPacketdrillSuite runs every script of testdata/packetdrill/linux
// against the linux profile and of testdata/packetdrill/freebsd against
// freebsd, and fails with the runner's first difference.
func TestPacketdrillSuite(t *testing.T) {
	for _, profile := range []string{"linux", "freebsd"} {
		files, err := filepath.Glob(filepath.Join(suiteDir, profile, "*.pkt"))
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(files)
		if min := map[string]int{"linux": 30, "freebsd": 8}[profile]; len(files) < min {
			t.Fatalf("%s: %d scripts in %s, want at least %d", profile, len(files), filepath.Join(suiteDir, profile), min)
		}
		for _, path := range files {
			name := profile + "/" + filepath.Base(path)
			t.Run(name, func(t *testing.T) {
				checkHeader(t, path)
				res, seed := runSuiteScript(t, path, profile)
				known, isKnown := knownDifferences[name]
				switch {
				case res.Status == Pass && isKnown:
					t.Fatalf("passes now at every tick phase: remove it from knownDifferences (%s)", known)
				case res.Status == Pass:
				case isKnown:
					t.Skipf("%s\n(seed %d) %s", known, seed, res)
				default:
					t.Fatalf("seed %d: %s", seed, res)
				}
			})
		}
	}
}

// runSuiteScript runs the script with the profile's own settings (hz 250 on
// linux) at several tick phases; it returns the first result that is not a
// pass, or the last pass.
func runSuiteScript(t *testing.T, path, profile string) (Result, uint64) {
	t.Helper()
	s, err := tcp.Profile(profile)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ParseFile(path, ProfileDefine(profile))
	if err != nil {
		t.Fatal(err)
	}
	var res Result
	for seed := uint64(1); seed <= suiteSeeds; seed++ {
		res = Run(sc, Options{Profile: profile, Settings: s, TolerancePercent: -1, Seed: seed})
		if res.Status != Pass {
			return res, seed
		}
	}
	return res, suiteSeeds
}

// checkHeader enforces the suite's convention: a script opens with a
// comment that says what it checks and what it was written from.
func checkHeader(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var head []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "//") {
			break
		}
		head = append(head, line)
	}
	h := strings.Join(head, "\n")
	if !strings.HasPrefix(h, "// Checks:") || !strings.Contains(h, "Written from:") {
		t.Errorf("%s: the opening comment must start with \"// Checks:\" and name its sources after \"Written from:\"", path)
	}
}
