package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPacketdrillCommand (stdout first, then stderr): one line per script, exit 0 when none fails, 1
// when one fails, 2 for a script that cannot be parsed or a bad flag.
func TestPacketdrillCommand(t *testing.T) {
	dir := "../../internal/packetdrill/testdata/"
	good, bad := dir+"fin-ack-four-way.pkt", dir+"fail-expects-three-way.pkt"
	broken := filepath.Join(t.TempDir(), "broken.pkt")
	os.WriteFile(broken, []byte("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0(0)\n"), 0o644)
	cases := []struct {
		args []string
		code int
		out  []string // substrings of stdout+stderr, in order
	}{
		{[]string{"packetdrill", good, "--set", "hz=0"}, 0, []string{good + ": ok\n"}},
		{[]string{"packetdrill", good, dir + "sack-injected.pkt"}, 0,
			[]string{good + ": ok\n", dir + "sack-injected.pkt: unsupported: SACK blocks (line 13)\n", "2 scripts: 1 ok, 0 FAIL, 1 unsupported, 0 unreadable"}},
		{[]string{"packetdrill", "--set", "hz=0", good, bad}, 1,
			[]string{good + ": ok\n", bad + ": FAIL " + bad + ":15: emu's segment at 0.060000 sec differs: flags ., script F.", "emu packetdrill: 1 of 2 scripts failed"}},
		{[]string{"packetdrill", good, "--set", "hz=0", "--set", "delack_min=20ms"}, 1,
			[]string{"timing error: expected outbound packet at 0.060000 sec but happened at 0.040000 sec"}},
		{[]string{"packetdrill", broken, good}, 2,
			[]string{good + ": ok", broken + ":2: window must be specified for inbound packets (add win N)", "could not be read"}},
		{[]string{"packetdrill", dir + "unknown-syscall.pkt"}, 2, []string{`unknown-syscall.pkt:2: unknown system call "teleport"`}},
		{[]string{"packetdrill", "nope.pkt"}, 2, []string{"nope.pkt: read script:"}},
		{[]string{"packetdrill"}, 2, []string{"name at least one script"}},
		{[]string{"packetdrill", good, "--profile", "solaris"}, 2, []string{`unknown profile "solaris"`}},
		{[]string{"packetdrill", good, "--set", "delack_mni=1ms"}, 2, []string{`unknown TCP setting "delack_mni"`}},
		{[]string{"packetdrill", good, "--set", "delack_min"}, 2, []string{"write key=value"}},
		{[]string{"packetdrill", "-h"}, 0, []string{"Usage: emu packetdrill", "--tolerance_usecs", "Examples:"}},
		{[]string{"help"}, 0, []string{"packetdrill", "run packetdrill scripts"}},
	}
	for _, c := range cases {
		out, errs, code := emu(t, "", c.args...)
		all := out + errs
		ok := code == c.code
		rest := all
		for _, s := range c.out {
			i := strings.Index(rest, s)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(s):]
		}
		if !ok {
			t.Errorf("emu %s: exit %d, want %d; output:\n%s(want, in order, %q)", strings.Join(c.args, " "), code, c.code, all, c.out)
		}
	}
}

// TestPacketdrillScriptProfile: a script's --profile=freebsd line picks
// FreeBSD, whose delayed ACK of the first data segment (no quick ACK)
// breaks the Linux script's timing; --profile on the command line wins over
// it.
func TestPacketdrillScriptProfile(t *testing.T) {
	b, err := os.ReadFile("../../internal/packetdrill/testdata/fin-ack-four-way.pkt")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fb.pkt")
	os.WriteFile(path, append([]byte("--profile=freebsd\n"), b...), 0o644)
	out, _, code := emu(t, "", "packetdrill", path, "--set", "hz=0")
	if code != 1 || !strings.Contains(out, "expected outbound packet at 0.010000 sec but happened at 0.050000 sec") {
		t.Errorf("script profile: exit %d\n%s", code, out)
	}
	out, _, code = emu(t, "", "packetdrill", path, "--set", "hz=0", "--profile", "linux")
	if code != 0 || out != path+": ok\n" {
		t.Errorf("--profile linux: exit %d\n%s", code, out)
	}
}

// TestPacketdrillTolerance: --tolerance_usecs widens the window, so the
// broken setting's 20 ms early ACK passes with a 25 ms tolerance.
func TestPacketdrillTolerance(t *testing.T) {
	good := "../../internal/packetdrill/testdata/fin-ack-four-way.pkt"
	out, errs, code := emu(t, "", "packetdrill", good, "--set", "hz=0", "--set", "delack_min=20ms", "--tolerance_usecs", "25000")
	if code != 0 || out != good+": ok\n" {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}
