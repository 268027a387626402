package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTracePcapFlags: --pcap-at and --connection are checked, the format
// follows the extension, --connection all captures every connection of a
// run of many, and --set profile=... changes the SYN options.
func TestTracePcapFlags(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"trace", "half-close", "--pcap-at", "router"}, 2, `--pcap-at "router": write client or server`},
		{[]string{"trace", "half-close", "--connection", "-1"}, 2, `--connection "-1": write a connection number from 0, or all`},
		{[]string{"trace", "half-close", "--pcap", filepath.Join(dir, "x.pcap"), "--connection", "2"}, 2, "no connection 2: the run opened only connection 0"},
	} {
		out, errs, code := emu(t, "", c.args...)
		if code != c.code || !strings.Contains(out+errs, c.out) {
			t.Errorf("emu %s: exit %d, want %d; output:\n%s%s(want %q)", strings.Join(c.args, " "), code, c.code, out, errs, c.out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.pcap")); err == nil {
		t.Errorf("a failed --connection left a capture behind")
	}
	ng := filepath.Join(dir, "all.pcapng")
	if _, errs, code := emu(t, "", "trace", "time-wait-pileup", "--set", "stop_after=35ms", "--pcap", ng, "--connection", "all", "--pcap-at", "server"); code != 0 {
		t.Fatalf("trace --connection all: exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(ng)
	if err != nil {
		t.Fatal(err)
	}
	// pcapng starts with a section header block, 0x0A0D0D0A.
	if len(b) < 4 || string(b[:4]) != "\x0a\x0d\x0d\x0a" {
		t.Errorf("%s is not pcapng", ng)
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("needs tshark for the rest (apt-get install -y tshark)")
	}
	// Connections every 10 ms until 35 ms: at 0, 10, 20 and 30 ms.
	out, err := exec.Command("tshark", "-r", ng, "-Y", "tcp.flags.syn==1 && tcp.flags.ack==0", "-T", "fields", "-e", "tcp.srcport").Output()
	if err != nil {
		t.Fatal(err)
	}
	if ports := strings.Fields(string(out)); len(ports) != 4 {
		t.Errorf("SYNs from ports %v, want 4 connections", ports)
	}
	fb := filepath.Join(dir, "freebsd.pcap")
	// The FreeBSD profile's endpoints send no timestamps and no SACK
	// permitted unless told to; the order of the options is FreeBSD's.
	if _, errs, code := emu(t, "", "trace", "half-close", "--set", "profile=freebsd", "--set", "client.tcp.timestamps=true", "--set", "client.tcp.sack=true", "--pcap", fb); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	out, err = exec.Command("tshark", "-r", fb, "-Y", "tcp.flags.syn==1 && tcp.flags.ack==0", "-T", "fields", "-e", "tcp.options.wscale.shift", "-e", "tcp.option_kind").Output()
	if err != nil {
		t.Fatal(err)
	}
	// FreeBSD: mss, nop, wscale 6, sackOK, TS.
	if got := strings.TrimSpace(string(out)); got != "6\t2,1,3,4,8" {
		t.Errorf("FreeBSD SYN: tshark says %q, want shift 6 and options 2,1,3,4,8", got)
	}
}
