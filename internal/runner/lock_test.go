package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestOutputLocked: while one emu holds an output folder, a run or a
// merge into it fails with ErrBusy and writes nothing; once the lock is
// released the run goes ahead.
func TestOutputLocked(t *testing.T) {
	plan := boundaryPlan(2)
	dir := t.TempDir()
	held, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Execute(context.Background(), plan, dir, Options{Jobs: 1}); !errors.Is(err, ErrBusy) {
		t.Fatalf("Execute into a held folder: %v, want ErrBusy", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "runs.csv")); err == nil {
		t.Error("runs.csv was written into a held folder")
	}
	if _, err := Merge(dir, []string{t.TempDir()}); err == nil {
		t.Error("Merge into a held folder succeeded")
	}
	held.unlock()
	if _, err := Execute(context.Background(), plan, dir, Options{Jobs: 1}); err != nil {
		t.Fatalf("Execute after unlock: %v", err)
	}
}
