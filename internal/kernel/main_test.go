package kernel

import (
	"os"
	"testing"
)

// TestMain lets the test binary serve as its own side helper: emu kernel
// re-executes the running program with the helper's spec in SideEnv.
func TestMain(m *testing.M) {
	MaybeSide()
	os.Exit(m.Run())
}
