package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// emu runs the command line in-process and returns stdout, stderr and the
// exit status.
func emu(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, stdin: strings.NewReader(stdin)}
	code := Main(e, args)
	return out.String(), errb.String(), code
}

func TestExitCodes(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("name: x\nlink: {loss: 2}\nclient: {do: [connect, close]}\nserver: {do: [accept, close]}\n"), 0o644)
	cases := []struct {
		args []string
		code int
		out  string // substring of stdout+stderr
	}{
		{[]string{"version"}, 0, "emu dev"},
		{[]string{"help"}, 0, "Commands:"},
		{[]string{"help", "run"}, 0, "Usage: emu run"},
		{[]string{"run", "-h"}, 0, "--jobs"},
		{[]string{}, 2, "Usage"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"run", "--no-such-flag"}, 2, "flag provided but not defined"},
		{[]string{"run"}, 2, "name one scenario"},
		{[]string{"run", "no-such-example"}, 2, "no such file"},
		{[]string{"run", "half-close", "--runs", "0"}, 2, "--runs must be a positive number"},
		{[]string{"run", "half-close", "--set", "link.los=1"}, 2, `unknown key "link.los"`},
		{[]string{"validate", bad}, 2, "bad.yaml:2:14: link.loss: 2 is not a probability in [0,1]"},
		{[]string{"show", "nope"}, 2, "no built-in example"},
		{[]string{"show-profile", "solaris"}, 2, "unknown profile"},
		{[]string{"show-profile", "linux"}, 0, "time_wait: 1m0s"},
		{[]string{"trace", "half-close", "--point", "3"}, 2, "--point 3 is out of range"},
		{[]string{"run", "half-close", "--runs", "50", "--max-runs", "10"}, 2, "half-close has 50 runs, more than --max-runs 10; check the sweep, or add --yes"},
	}
	for _, c := range cases {
		out, errs, code := emu(t, "", c.args...)
		if code != c.code || !strings.Contains(out+errs, c.out) {
			t.Errorf("emu %s: exit %d, want %d; output:\n%s%s(want %q)", strings.Join(c.args, " "), code, c.code, out, errs, c.out)
		}
		if strings.Contains(errs, "goroutine ") {
			t.Errorf("emu %s printed a stack trace", strings.Join(c.args, " "))
		}
	}
}

// TestShowValidateRoundTrip: every example printed by show validates from
// standard input, and show-profile output is accepted under tcp:.
func TestShowValidateRoundTrip(t *testing.T) {
	list, _, _ := emu(t, "", "list")
	for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
		name := strings.Fields(line)[0]
		yaml, _, code := emu(t, "", "show", name)
		if code != 0 {
			t.Fatalf("show %s: exit %d", name, code)
		}
		out, errs, code := emu(t, yaml, "validate", "-")
		if code != 0 || out != "-: ok\n" {
			t.Errorf("show %s | validate -: exit %d %s%s", name, code, out, errs)
		}
	}
	prof, _, _ := emu(t, "", "show-profile", "freebsd")
	var b strings.Builder
	b.WriteString("name: p\nclient:\n  tcp:\n")
	for _, l := range strings.Split(strings.TrimSpace(prof), "\n") {
		if !strings.HasPrefix(l, "#") {
			b.WriteString("    " + l + "\n")
		}
	}
	b.WriteString("  do: [connect, close]\nserver:\n  do: [accept, close]\n")
	if out, errs, code := emu(t, b.String(), "validate", "-"); code != 0 {
		t.Errorf("show-profile output not accepted: %s%s\n%s", out, errs, b.String())
	}
}

// TestRunJobsIdentical: --jobs 1 and --jobs 4 write byte-identical files.
func TestRunJobsIdentical(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	for i, j := range []string{"1", "4"} {
		out, errs, code := emu(t, "", "run", "delayed-ack-boundary", "--runs", "20", "--jobs", j, "--out", dirs[i])
		if code != 0 {
			t.Fatalf("run: %s%s", out, errs)
		}
		if !strings.Contains(out, "three-way") || !strings.Contains(out, "wrote") {
			t.Errorf("run printed no table:\n%s", out)
		}
	}
	for _, f := range []string{"runs.csv", "summary.csv", "summary.json"} {
		a, _ := os.ReadFile(filepath.Join(dirs[0], f))
		b, _ := os.ReadFile(filepath.Join(dirs[1], f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between --jobs 1 and --jobs 4 (%d vs %d bytes)", f, len(a), len(b))
		}
	}
}

// TestTraceMatchesRun: the ladder of (point, run) ends with the close type
// runs.csv has for that row.
func TestTraceMatchesRun(t *testing.T) {
	dir := t.TempDir()
	if _, errs, code := emu(t, "", "run", "lossy-teardown", "--runs", "30", "--quiet", "--out", dir); code != 0 {
		t.Fatal(errs)
	}
	rows, _ := os.ReadFile(filepath.Join(dir, "runs.csv"))
	lines := strings.Split(strings.TrimSpace(string(rows)), "\n")
	head := strings.Split(lines[0], ",")
	col := -1
	for i, h := range head {
		if h == "close_type" {
			col = i
		}
	}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		if f[0] != "4" {
			continue
		}
		out, errs, code := emu(t, "", "trace", "lossy-teardown", "--point", f[0], "--run", f[1])
		if code != 0 {
			t.Fatal(errs)
		}
		if !strings.Contains(out, "close type: "+f[col]+" ") {
			t.Errorf("point %s run %s: runs.csv says %s, trace says:\n%s", f[0], f[1], f[col], out[strings.LastIndex(out, "close type"):])
		}
	}
}

// TestEventBudget: a run that spends its event budget ends as incomplete,
// and emu run warns about it.
func TestEventBudget(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "busy.yaml")
	os.WriteFile(f, []byte("name: busy\nmax_events: 1000\nclient:\n  do: [connect, {send: 10MB}, close]\nserver:\n  do: [accept, {read: eof}, close]\n"), 0o644)
	out, errs, code := emu(t, "", "run", f, "--runs", "2", "--out", filepath.Join(dir, "o"))
	if code != 0 || !strings.Contains(errs, "warning: point 0 run 0: the event budget (max_events 1000) ended the run before its first connection ended (close type incomplete)") || !strings.Contains(out, "incomplete") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
	if out, errs, code := emu(t, "", "run", "half-close", "--runs", "50", "--max-runs", "10", "--yes", "--quiet", "--out", filepath.Join(dir, "y")); code != 0 {
		t.Errorf("--yes: exit %d %s%s", code, out, errs)
	}
}

// TestBuiltinBeatsFolder: a folder named like an example (a previous run's
// output, say) does not hide the example.
func TestBuiltinBeatsFolder(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(dir)
	os.Mkdir("half-close", 0o755)
	if out, errs, code := emu(t, "", "validate", "half-close"); code != 0 {
		t.Errorf("exit %d: %s%s", code, out, errs)
	}
}

// TestClassify runs emu classify on the real test captures: the exit
// status, the files written and the printed table's rows.
func TestClassify(t *testing.T) {
	caps := filepath.Join("..", "..", "testdata", "captures")
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pcap")
	os.WriteFile(empty, nil, 0o644)
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not a capture\n"), 0o644)
	cases := []struct {
		args []string
		code int
		out  []string // substrings of stdout+stderr
	}{
		{[]string{"classify"}, 2, []string{"name at least one capture file"}},
		{[]string{"classify", empty}, 2, []string{"empty.pcap: not a capture: the file is empty"}},
		{[]string{"classify", text}, 2, []string{"notes.txt: not a capture: starts with 6e 6f 74 20"}},
		{[]string{"classify", filepath.Join(dir, "missing.pcap")}, 2, []string{"missing.pcap: no such file"}},
		{[]string{"classify", filepath.Join(caps, "snap40.pcap"), "--out", filepath.Join(dir, "o1")}, 2,
			[]string{"8 packets cut inside the TCP header", "no TCP segment could be read"}},
		{[]string{"classify", filepath.Join(caps, "three-way.pcap"), "--port", "70000"}, 2, []string{"--port 70000 is not a TCP port"}},
		{[]string{"classify", filepath.Join(caps, "sll2.pcap"), filepath.Join(caps, "rst.pcap"), "--out", filepath.Join(dir, "o2")}, 0,
			[]string{"file  connections  four-way     rst  teardown ms p50", "all            3     33.3%   66.7%"}},
		{[]string{"classify", filepath.Join(caps, "ipv6.pcap"), filepath.Join(caps, "three-way.pcap"), "--port", "5001", "--explain", "--out", filepath.Join(dir, "o3")}, 0,
			[]string{"three-way: the server's FIN came 7.81 ms after the client's FIN", "ipv6.pcap            0"}},
	}
	for _, c := range cases {
		out, errs, code := emu(t, "", c.args...)
		for _, want := range c.out {
			if code != c.code || !strings.Contains(out+errs, want) {
				t.Errorf("emu %s: exit %d, want %d; output:\n%s%s(want %q)", strings.Join(c.args, " "), code, c.code, out, errs, want)
			}
		}
	}
	for _, f := range []string{"connections.csv", "summary.csv", "summary.json"} {
		if _, err := os.Stat(filepath.Join(dir, "o1", f)); err == nil {
			t.Errorf("o1/%s written after a failed classify", f)
		}
		if _, err := os.Stat(filepath.Join(dir, "o2", f)); err != nil {
			t.Errorf("o2/%s: %v", f, err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "o2", "summary.csv"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[1], filepath.Join(caps, "sll2.pcap")+",2,") || !strings.HasPrefix(lines[3], "all,3,") {
		t.Errorf("summary.csv:\n%s\nwant a header, sll2.pcap with 2 connections, rst.pcap, all with 3", b)
	}
}

// TestClassifyDeterministic: the same captures give byte-identical files.
func TestClassifyDeterministic(t *testing.T) {
	caps, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "captures", "*.pcap*"))
	var files [2]map[string]string
	for i := range files {
		out := filepath.Join(t.TempDir(), "out")
		args := append([]string{"classify", "--quiet", "--out", out}, caps...)
		if stdout, stderr, code := emu(t, "", args...); code != 0 {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		files[i] = map[string]string{}
		for _, f := range []string{"connections.csv", "summary.csv", "summary.json"} {
			b, err := os.ReadFile(filepath.Join(out, f))
			if err != nil {
				t.Fatal(err)
			}
			files[i][f] = string(b)
		}
	}
	for f, b := range files[0] {
		if files[1][f] != b {
			t.Errorf("%s differs between two runs", f)
		}
	}
	// One connection in each of three-way, four-way, rst, fin-rst,
	// simultaneous, no-connect, fin-retransmit, sll and no-syn; two in
	// ipv6, sll2, vlan, two-interfaces, port-reuse and timeout; none in
	// snap40.
	if n := strings.Count(files[0]["connections.csv"], "\n"); n != 1+9+2*6 {
		t.Errorf("connections.csv has %d lines, want a header and 21 connections", n)
	}
}
