package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emu-sim/emu/internal/kernel"
	"github.com/emu-sim/emu/scenarios"
)

// TestKernelRefusals: settings a real kernel cannot take are refused by
// name with exit 2, before anything is created (so these need no root).
func TestKernelRefusals(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"kernel", "half-close", "--set", "profile=freebsd"}, "profile: freebsd has no counterpart"},
		{[]string{"kernel", "close-with-unread-data"}, "server.tcp.unread_close=discard: no sysctl, socket option or route attribute"},
		{[]string{"kernel", "half-close", "--set", "client.tcp.delack_min=10ms"}, "client.tcp.delack_min=10ms"},
		{[]string{"kernel", "half-close", "--set", "client.tcp.time_wait=30s"}, "client.tcp.time_wait=30s"},
		{[]string{"kernel", "half-close", "--set", "server.tcp.rto_min=1500us"}, "rto_min takes whole milliseconds"},
		{[]string{"kernel", "half-close", "--runs", "0"}, "--runs must be a positive number"},
		{[]string{"kernel", "half-close", "--runs", "3074457345618258603"}, "--runs 3074457345618258603 is out of range"},
		{[]string{"kernel"}, "name one scenario"},
	}
	for _, c := range cases {
		_, errs, code := emu(t, "", c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("emu %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(c.args, " "), code, errs, c.want)
		}
	}
}

// TestCompareCommand compares emu run folders: two seeds of a scenario
// whose outcome never varies do not differ (exit 0); a server closing at
// once (three-way, its FIN carrying the delayed ACK) against one closing
// after 100 ms (four-way) differ at every run, so Fisher's exact test
// gives 2/C(40,20) = 1.45e-11 for 20 runs each, far below 1 % (exit 1).
func TestCompareCommand(t *testing.T) {
	dir := t.TempDir()
	run := func(name string, args ...string) string {
		out := filepath.Join(dir, name)
		if _, errs, code := emu(t, "", append(append([]string{"run"}, args...), "--quiet", "--out", out)...); code != 0 {
			t.Fatalf("emu run %v: %s", args, errs)
		}
		return out
	}
	a := run("a", "half-close", "--runs", "20")
	b := run("b", "half-close", "--runs", "20", "--seed", "9")
	out, errs, code := emu(t, "", "compare", a, b)
	if code != 0 || !strings.Contains(out, "No point differs") {
		t.Errorf("same scenario, two seeds: exit %d\n%s%s", code, out, errs)
	}
	c := run("c", "delayed-ack-boundary", "--runs", "20", "--set", "close_delay=0ms")
	d := run("d", "delayed-ack-boundary", "--runs", "20", "--set", "close_delay=100ms")
	svg := filepath.Join(dir, "cmp.svg")
	out, errs, code = emu(t, "", "compare", c, d, "--out", svg)
	if code != 1 || !strings.Contains(out, "DIFFERS") || !strings.Contains(out, "fisher") || !strings.Contains(out, "1.45e-11") {
		t.Errorf("0 ms against 100 ms: exit %d\n%s%s", code, out, errs)
	}
	if b, err := os.ReadFile(svg); err != nil || !bytes.Contains(b, []byte("<svg")) {
		t.Errorf("no plot: %v", err)
	}
	if _, errs, code = emu(t, "", "compare", a, c); code != 2 || !strings.Contains(errs, "same scenario") {
		t.Errorf("different scenarios: exit %d, %s", code, errs)
	}
	if _, errs, code = emu(t, "", "compare", a); code != 2 {
		t.Errorf("one folder: exit %d, %s", code, errs)
	}
}

// TestKernelAgainstRun is the check of emu against the machine's kernel on
// three built-in examples: no sweep point differs at the 1 % level between
// emu run and emu kernel.
func TestKernelAgainstRun(t *testing.T) {
	if err := kernel.Available(); err != nil {
		t.Skipf("needs root, ip and /dev/net/tun: %v", err)
	}
	if os.Getenv("EMU_KERNEL_TESTS") != "1" {
		// They run real programs against the clock: beside go test's
		// other packages on two cores they would measure the load.
		t.Skip("needs EMU_KERNEL_TESTS=1 and a machine to itself (root, ip, /dev/net/tun); .ci/run runs them alone")
	}
	if raceEnabled {
		t.Skip("real-time runs: not under the race detector, which slows the relay")
	}
	dir := t.TempDir()
	dab, _ := scenarios.Builtin("delayed-ack-boundary")
	lines := strings.Split(string(dab), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "  close_delay: [") {
			// Points far from the 40-48 ms boundary, where the outcome
			// does not hang on the host's timer tick.
			lines[i] = "  close_delay: [0ms, 20ms, 80ms]"
		}
	}
	dabFile := filepath.Join(dir, "dab.yaml")
	if err := os.WriteFile(dabFile, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
	}{
		{"delayed-ack-boundary", []string{dabFile, "--runs", "15"}},
		{"close-with-unread-data", []string{"close-with-unread-data", "--set", "server.tcp.unread_close=rst", "--runs", "15"}},
		{"half-close", []string{"half-close", "--runs", "15"}},
	}
	for _, c := range cases {
		start := time.Now()
		sim, kern := filepath.Join(dir, c.name+"-run"), filepath.Join(dir, c.name+"-kernel")
		if _, errs, code := emu(t, "", append(append([]string{"run"}, c.args...), "--quiet", "--out", sim)...); code != 0 {
			t.Fatalf("emu run %s: %s", c.name, errs)
		}
		out, errs, code := emu(t, "", append(append([]string{"kernel"}, c.args...), "--out", kern)...)
		if code != 0 {
			t.Fatalf("emu kernel %s: exit %d\n%s%s", c.name, code, out, errs)
		}
		t.Logf("emu kernel %s (%.1fs):\n%s%s", c.name, time.Since(start).Seconds(), out, errs)
		out, errs, code = emu(t, "", "compare", sim, kern)
		if code != 0 {
			t.Errorf("emu compare %s: exit %d\n%s%s", c.name, code, out, errs)
		}
	}
}

// TestKernelHelperProcess is not a test: run by TestKernelInterrupt as a
// separate emu process (EMU_TEST_MAIN holds its arguments).
func TestKernelHelperProcess(t *testing.T) {
	args := os.Getenv("EMU_TEST_MAIN")
	if args == "" {
		t.Skip("helper process of TestKernelInterrupt")
	}
	e := &env{stdout: os.Stdout, stderr: os.Stderr, stdin: strings.NewReader("")}
	os.Exit(Main(e, strings.Split(args, "\x1f")))
}

// TestKernelInterrupt sends SIGINT to emu kernel in the middle of a run and
// checks that it exits 130 with no output file, and that none of its
// namespaces and helper processes is left.
func TestKernelInterrupt(t *testing.T) {
	if err := kernel.Available(); err != nil {
		t.Skipf("needs root, ip and /dev/net/tun: %v", err)
	}
	if os.Getenv("EMU_KERNEL_TESTS") != "1" {
		// They run real programs against the clock: beside go test's
		// other packages on two cores they would measure the load.
		t.Skip("needs EMU_KERNEL_TESTS=1 and a machine to itself (root, ip, /dev/net/tun); .ci/run runs them alone")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "slow.yaml")
	os.WriteFile(file, []byte("name: slow\nruns: 3\nstop_after: 1m\nlink: {delay: 1ms}\n"+
		"client: {do: [connect, {read: eof}, close]}\nserver: {do: [accept, {sleep: 30s}, close]}\n"), 0o644)
	out := filepath.Join(dir, "out")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKernelHelperProcess$")
	cmd.Env = append(os.Environ(), "EMU_TEST_MAIN="+strings.Join([]string{"kernel", file, "--quiet", "--out", out}, "\x1f"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	prefix := "emu-" + strconv.Itoa(cmd.Process.Pid) + "-"
	deadline := time.Now().Add(20 * time.Second)
	for helpers(t) < 2 || !strings.Contains(netns(t), prefix) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the run never started: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Errorf("interrupted: %v (want exit 130)\n%s", err, stderr.String())
	}
	if ns := netns(t); strings.Contains(ns, prefix) {
		t.Errorf("namespaces left behind:\n%s", ns)
	}
	if n := helpers(t); n > 0 {
		t.Errorf("%d helper processes left behind", n)
	}
	for _, f := range []string{"runs.csv", "summary.csv", "summary.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err == nil {
			t.Errorf("%s written by an interrupted run", f)
		}
	}
}

// netns lists the network namespaces.
func netns(t *testing.T) string {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatalf("ip netns list: %v", err)
	}
	return string(out)
}

// helpers counts the side helpers this test binary started: processes
// running it with the helper's spec in their environment.
func helpers(t *testing.T) int {
	self, err := kernel.Executable()
	if err != nil {
		t.Fatal(err)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	n := 0
	for _, p := range procs {
		exe, err := os.Readlink(filepath.Join(p, "exe"))
		if err != nil || exe != self {
			continue
		}
		env, _ := os.ReadFile(filepath.Join(p, "environ"))
		if bytes.Contains(env, []byte(kernel.SideEnv+"=")) {
			n++
		}
	}
	return n
}
