package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterruptResumeSubprocess sends SIGINT to a real emu process during a
// long run, checks that it exits 130 without writing any output file and
// says how to resume, resumes it, and compares the files with those of an
// uninterrupted run.
func TestInterruptResumeSubprocess(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("slow: a few hundred thousand runs")
	}
	bin := filepath.Join(t.TempDir(), "emu")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	args := []string{"run", "delayed-ack-boundary", "--runs", "20000", "--jobs", "1", "--quiet"}
	dir := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(bin, append(args, "--out", dir)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, ".emu-partial")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the run never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Fatalf("interrupted run: %v (want exit 130)\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "emu run --resume "+dir) {
		t.Errorf("no resume hint:\n%s", stderr.String())
	}
	for _, f := range []string{"runs.csv", "summary.csv", "summary.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s written by an interrupted run", f)
		}
	}
	// Running into the folder again would throw the finished runs away.
	again := exec.Command(bin, append(args, "--out", dir)...)
	if out, err := again.CombinedOutput(); again.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), "holds an interrupted run") || !strings.Contains(string(out), "emu run --resume "+dir) {
		t.Errorf("a new run into the interrupted folder: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "run", "--resume", dir, "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	// run.json keeps the command line that started the run and the one
	// that finished it.
	var rec runRecord
	b, _ := os.ReadFile(filepath.Join(dir, "run.json"))
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	if want := append(append([]string{"emu"}, args...), "--out", dir); !slices.Equal(rec.Argv, want) || !slices.Equal(rec.ResumedBy, []string{"emu", "run", "--resume", dir, "--quiet"}) || rec.Runs != 20000 {
		t.Errorf("run.json after resume: %s", b)
	}
	ref := filepath.Join(t.TempDir(), "ref")
	if out, err := exec.Command(bin, append(args, "--jobs", "2", "--out", ref)...).CombinedOutput(); err != nil {
		t.Fatalf("reference run: %v\n%s", err, out)
	}
	for _, f := range []string{"runs.csv", "summary.csv", "summary.json", "scenario.yaml"} {
		a, _ := os.ReadFile(filepath.Join(ref, f))
		b, _ := os.ReadFile(filepath.Join(dir, f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s after resume differs from the uninterrupted run (%d vs %d bytes)", f, len(b), len(a))
		}
	}
}

// TestInterruptInsideOneRunSubprocess: SIGINT in the middle of a single
// long run (a million connections that all succeed, one a millisecond
// with tw_reuse: a few seconds; with a connection every 10 µs most
// connects fail at once and the run ended before the signal) ends emu
// with 130 within a second, with the checkpoint kept; it once waited for
// the run.
func TestInterruptInsideOneRunSubprocess(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("slow: builds emu and starts a run of a million connections")
	}
	bin := filepath.Join(t.TempDir(), "emu")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	f := filepath.Join(t.TempDir(), "long.yaml")
	os.WriteFile(f, []byte("name: long\nruns: 1\nstop_after: 1h\nmax_events: 1000000000000\nconnections: {count: 1000000, every: 1ms, sample: 10s}\nclient:\n  host: {tw_reuse: 1}\n  do: [connect, {send: 100B}, close]\nserver:\n  do: [accept, {read: eof}, close]\n"), 0o644)
	dir := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(bin, "run", f, "--quiet", "--out", dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	took := time.Since(sent)
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit %v, want 130\n%s", err, stderr.String())
	}
	if took > time.Second {
		t.Errorf("exited %v after SIGINT, more than a second", took)
	}
	if _, err := os.Stat(filepath.Join(dir, ".emu-partial", "state.json")); err != nil {
		t.Errorf("no checkpoint: %v", err)
	}
}
