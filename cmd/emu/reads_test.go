package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emu-sim/emu/internal/runner"
)

// TestUnboundedInputs: /dev/zero as a scenario file, as standard input and
// as a checkpoint (through a symlink) is bad input (exit 2) at once, where
// it once read until memory ran out.
func TestUnboundedInputs(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("needs /dev/zero")
	}
	_, errs, code := emu(t, "", "validate", "/dev/zero")
	if code != 2 || !strings.Contains(errs, "/dev/zero:1:1: not a scenario file") {
		t.Errorf("validate /dev/zero: exit %d, %q", code, errs)
	}
	zero, _ := os.Open("/dev/zero")
	defer zero.Close()
	var out, errb bytes.Buffer
	code = Main(&env{stdout: &out, stderr: &errb, stdin: zero}, []string{"validate", "-"})
	if code != 2 || !strings.Contains(errb.String(), "-:1:1: the file is larger than 16 MiB") {
		t.Errorf("validate - < /dev/zero: exit %d, %q", code, errb.String())
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, runner.PartialDir), 0o755)
	os.Symlink("/dev/zero", filepath.Join(dir, runner.PartialDir, "state.json"))
	_, errs, code = emu(t, "", "run", "--resume", dir)
	if code != 2 || !strings.Contains(errs, "character device") {
		t.Errorf("run --resume with state.json -> /dev/zero: exit %d, %q", code, errs)
	}
	_, errs, code = emu(t, "", "validate", dir)
	if code != 2 || !strings.Contains(errs, "a folder, not a scenario file") {
		t.Errorf("validate DIR: exit %d, %q", code, errs)
	}
}

// TestScenarioTooLarge: a scenario file over 16 MiB is refused at 1:1 (it
// is not read further).
func TestScenarioTooLarge(t *testing.T) {
	f := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(f, bytes.Repeat([]byte("# a comment line\n"), 1<<20+1), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs, code := emu(t, "", "validate", f)
	if code != 2 || !strings.Contains(errs, f+":1:1: the file is larger than 16 MiB") {
		t.Errorf("exit %d, %q", code, errs)
	}
}
