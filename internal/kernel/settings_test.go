package kernel

import (
	"errors"
	"strings"
	"testing"

	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/scenarios"
)

func testLink() netlink.DuplexConfig {
	c := netlink.DefaultConfig()
	return netlink.DuplexConfig{Forward: c, Reverse: c}
}

func TestPrepare(t *testing.T) {
	cases := []struct {
		name string
		sets [][2]string
		want string // Setup.String(), or the refusal's text
		bad  bool
	}{
		{"defaults need nothing", nil, "", false},
		{"route attributes", [][2]string{{"client.tcp.rto_min", "5ms"}, {"server.tcp.delayed_ack", "false"}},
			"client: route rto_min 5ms; server: route quickack 1", false},
		{"sysctls", [][2]string{{"client.tcp.syn_retries", "2"}, {"server.tcp.fin_wait2_timeout", "10s"}, {"client.host.tw_reuse", "1"}},
			"client: sysctl net.ipv4.tcp_syn_retries=2; client: sysctl net.ipv4.tcp_tw_reuse=1; server: sysctl net.ipv4.tcp_fin_timeout=10", false},
		{"socket options", [][2]string{{"client.tcp.nagle", "false"}, {"server.tcp.mss", "536"}},
			"client: TCP_NODELAY=1; server: TCP_MAXSEG=536", false},
		{"no counterpart", [][2]string{{"server.tcp.delack_min", "10ms"}}, "server.tcp.delack_min=10ms: no sysctl", true},
		{"not the host's kernel", [][2]string{{"profile", "windows"}}, "profile: windows has no counterpart", true},
		{"too many connections", [][2]string{{"connections", "2000"}}, "at most 1000 connections", true},
		{"fractional seconds", [][2]string{{"client.tcp.fin_wait2_timeout", "1500ms"}}, "whole seconds", true},
	}
	for _, c := range cases {
		s, err := scenarios.LoadFile("half-close")
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range c.sets {
			if err := s.Set(kv[0], kv[1]); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		pts, err := s.Points()
		if err != nil {
			t.Fatal(err)
		}
		setup, err := Prepare(pts[0].Config)
		var ref *RefusedError
		switch {
		case c.bad && (!errors.As(err, &ref) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want a refusal with %q", c.name, err, c.want)
		case !c.bad && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case !c.bad && setup.String() != c.want:
			t.Errorf("%s: %q, want %q", c.name, setup.String(), c.want)
		}
	}
}
