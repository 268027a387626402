package packetdrill

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emu-sim/emu/scenarios"
	"github.com/emu-sim/emu/tcp"
)

// runFile runs testdata/name with a profile, exact timers (hz 0) unless
// sets say otherwise, and extra settings.
func runFile(t *testing.T, name, profile string, strict bool, sets ...string) Result {
	t.Helper()
	s, err := tcp.Profile(profile)
	if err != nil {
		t.Fatal(err)
	}
	s.HZ = 0
	for _, kv := range sets {
		k, v, _ := strings.Cut(kv, "=")
		if err := scenarios.SetTCP(&s, k, v); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join("testdata", name)
	sc, err := ParseFile(path, ProfileDefine(profile))
	if err != nil {
		t.Fatal(err)
	}
	return Run(sc, Options{Profile: profile, Settings: s, Strict: strict, TolerancePercent: -1, Seed: 1})
}

// TestRunScripts: every expected outcome below is written from the
// kernels' rules (Linux: quick ACKs for the first data, a delayed ACK of
// 40 ms for a FIN, RST on close with unread data), not from emu's output.
func TestRunScripts(t *testing.T) {
	p := func(f string) string { return "testdata/" + f }
	cases := []struct {
		file    string
		profile string
		strict  bool
		sets    []string
		want    string
	}{
		{"fin-ack-three-way.pkt", "linux", false, nil, "ok (lenient: TS values not compared)"},
		{"fin-ack-four-way.pkt", "linux", false, nil, "ok"},
		{"client-close.pkt", "linux", false, nil, "ok (lenient: TS values not compared)"},
		{"blocking-connect.pkt", "linux", false, nil, "ok (lenient: TS values not compared)"},
		{"close-unread-rst.pkt", "linux", false, nil, "ok"},
		{"linger-zero.pkt", "linux", false, nil, "ok"},
		{"reset-read.pkt", "linux", false, nil, "ok"},
		{"background-read.pkt", "linux", false, nil, "ok"},
		{"linger-timeout.pkt", "linux", false, nil, "ok"},
		{"shutdown-write.pkt", "linux", false, nil, "ok"},
		// The script is Linux's: FreeBSD has no quick ACK, so the first
		// data segment's ACK waits for the 40 ms delayed-ACK timer.
		{"shutdown-write.pkt", "freebsd", false, nil, "FAIL " + p("shutdown-write.pkt") +
			`:15: timing error: expected outbound packet at 0.030000 sec but happened at 0.070000 sec; tolerance 0.004000 sec; script: "+0   > . 2:2(0) ack 101"; emu: "0.070000 > . 2:2(0) ack 101 win 65436"`},
		// The bare ACK of the FIN leaves first, at FIN + 40 ms = 0.060 s.
		{"fail-expects-three-way.pkt", "linux", false, nil, "FAIL " + p("fail-expects-three-way.pkt") +
			`:15: emu's segment at 0.060000 sec differs: flags ., script F.; script: "+0   > F. 1:1(0) ack 102"; emu: "0.060000 > . 1:1(0) ack 102 win 131072"`},
		// A broken setting: ato 20 ms makes the ACK of the FIN leave at
		// 0.040 s instead of the script's 0.060 s (tolerance: 12.5 % of 40 ms).
		{"fin-ack-four-way.pkt", "linux", false, []string{"delack_min=20ms"}, "FAIL " + p("fin-ack-four-way.pkt") +
			`:18: timing error: expected outbound packet at 0.060000 sec but happened at 0.040000 sec; tolerance 0.005000 sec; script: "+.04 > . 1:1(0) ack 102"; emu: "0.040000 > . 1:1(0) ack 102 win 131072"`},
		// ato 10 ms: the bare ACK leaves at FIN + 10 ms, before the close
		// at FIN + 20 ms; a failure also lists what was not compared.
		{"fin-ack-three-way.pkt", "linux", false, []string{"delack_min=10ms"}, "FAIL " + p("fin-ack-three-way.pkt") +
			`:21: emu's segment at 0.030000 sec differs: flags ., script F.; script: "+0   > F. 1:1(0) ack 102 <nop,nop,TS val 130 ecr 120>"; emu: "0.030000 > . 1:1(0) ack 102 win 131072 <nop,nop,TS val * ecr *>" (lenient: TS values not compared)`},
		// FreeBSD has no quick ACK: the first data segment's ACK waits
		// for its 40 ms delayed-ACK timer.
		{"fin-ack-four-way.pkt", "freebsd", false, nil, "FAIL " + p("fin-ack-four-way.pkt") +
			`:14: timing error: expected outbound packet at 0.010000 sec but happened at 0.050000 sec; tolerance 0.004000 sec; script: "+0   > . 1:1(0) ack 101"; emu: "0.050000 > . 1:1(0) ack 101 win 65436"`},
		{"sack-injected.pkt", "linux", false, nil, "unsupported: SACK blocks (line 13)"},
		{"fin-ack-three-way.pkt", "linux", true, nil, "unsupported: TS values under --strict: emu does not model timestamps (line 10)"},
		{"never-sent.pkt", "linux", false, nil, "FAIL " + p("never-sent.pkt") +
			`:10: expected segment never came: expected at 0.110000 sec, emu sent nothing from 0.010000 sec on (nothing left to send: no timer is pending); script: "+.1  > F. 1:1(0) ack 1"; emu: "nothing"`},
		{"extra-segment.pkt", "linux", false, nil, "FAIL " + p("extra-segment.pkt") +
			`:11: emu sent a segment at 0.010000 sec that the script does not expect before this line; script: "+.1  read(4, ..., 1000) = 100"; emu: "0.010000 > . 1:1(0) ack 101 win 130972"`},
		{"blocked-read.pkt", "linux", false, nil, "FAIL " + p("blocked-read.pkt") +
			`:10: read blocked at 0.010000 sec and never returned (nothing more can happen: no timer is pending); a call that waits for a later line of the script needs an end time, e.g. +0...0.1 read(...); script: "+0   read(4, ..., 1000) = 100"; emu: "blocked"`},
	}
	for _, c := range cases {
		t.Run(c.file+" "+c.profile+" "+strings.Join(c.sets, ","), func(t *testing.T) {
			r := runFile(t, c.file, c.profile, c.strict, c.sets...)
			if got := r.String(); got != c.want {
				t.Errorf("\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestRunFileErrors: a script with syntax errors or an unknown system call
// is reported at file:line, every error at once.
func TestRunFileErrors(t *testing.T) {
	cases := []struct{ file, want string }{
		{"syntax-error.pkt", "testdata/syntax-error.pkt:3: bad TCP sequence range \"0:0\" (write start:end(length), e.g. 1:101(100))\n" +
			"testdata/syntax-error.pkt:4: TCP options \"<mss 1460\" do not end with '>'"},
		{"unknown-syscall.pkt", `testdata/unknown-syscall.pkt:2: unknown system call "teleport"`},
	}
	for _, c := range cases {
		_, err := ParseFile(filepath.Join("testdata", c.file))
		var pe *ParseError
		if !errors.As(err, &pe) || err.Error() != c.want {
			t.Errorf("%s:\n got %v\nwant %s", c.file, err, c.want)
		}
	}
	if _, err := ParseFile("testdata/no-such.pkt"); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
}

// TestNeverHangs: a `*` line for a segment that never comes ends as soon
// as nothing is left to happen, and a timer that never stops (a SYN
// retransmitted forever) ends at the event budget.
func TestNeverHangs(t *testing.T) {
	s, _ := tcp.Profile("linux")
	s.HZ = 0
	sc, err := Parse("idle.pkt", `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
* > S. 0:0(0) ack 1
`)
	if err != nil {
		t.Fatal(err)
	}
	r := Run(sc, Options{Profile: "linux", Settings: s, TolerancePercent: -1})
	want := `FAIL idle.pkt:4: expected segment never came: expected at any time, emu sent nothing from 0.000000 sec on (nothing left to send: no timer is pending); script: "* > S. 0:0(0) ack 1"; emu: "nothing"`
	if r.String() != want {
		t.Errorf("\n got %s\nwant %s", r, want)
	}

	s.SynRetries = 1 << 30
	s.RTOMax = time.Second
	sc, _ = Parse("loop.pkt", `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0...100000 connect(3, ..., ...) = 0
`)
	r = Run(sc, Options{Profile: "linux", Settings: s, TolerancePercent: -1, EventBudget: 1000})
	if r.Status != Fail || r.Line != 2 || !strings.HasPrefix(r.Msg, "event budget of 1000 events spent at ") {
		t.Errorf("got %s", r)
	}
}
