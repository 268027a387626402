package kernel

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/emu-sim/emu/scenarios"
	"github.com/emu-sim/emu/tcp"
)

// Setup is how one sweep point's settings are applied to a real kernel:
// sysctls of each side's namespace, attributes of the route to the peer,
// and socket options of each side's sockets. Index 0 is the client.
type Setup struct {
	Sysctls  [2][][2]string // key, value
	Route    [2][]string    // ip-route(8) attributes
	SockOpts [2][]SockOpt
}

// MaxConnections is the most connections per run emu kernel starts: each
// is a real client process and a forked server process.
const MaxConnections = 1000

// RefusedError names a setting that a real kernel cannot take.
type RefusedError struct{ Msg string }

func (e *RefusedError) Error() string { return e.Msg }

func refuse(format string, a ...any) error {
	return &RefusedError{Msg: fmt.Sprintf(format, a...)}
}

// Prepare maps a sweep point's settings to the kernel's. The linux
// profile's values are the host kernel's own and need nothing; every
// setting that differs from them is applied through its real counterpart,
// or refused by name when there is none.
func Prepare(c *scenarios.RunConfig) (*Setup, error) {
	if c.Profile != "linux" {
		return nil, refuse("profile: %s has no counterpart here: emu kernel runs the host's Linux kernel (profile: linux)", c.Profile)
	}
	if c.Connections.Count > MaxConnections {
		return nil, refuse("connections.count: %d; emu kernel runs at most %d connections per run (each is a real process, started in real time)", c.Connections.Count, MaxConnections)
	}
	linux, err := tcp.Profile("linux")
	if err != nil {
		return nil, err
	}
	var s Setup
	for i, ep := range []*scenarios.Endpoint{&c.Client, &c.Server} {
		side := [2]string{"client", "server"}[i]
		if ep.Profile != "" && ep.Profile != "linux" {
			return nil, refuse("%s.profile: %s has no counterpart here: emu kernel runs the host's Linux kernel", side, ep.Profile)
		}
		def := scenarios.ListTCP(&linux)
		for k, set := range scenarios.ListTCP(&ep.TCP) {
			if set.Value == def[k].Value {
				continue
			}
			if err := s.apply(i, side, set.Name, set.Value, &ep.TCP); err != nil {
				return nil, err
			}
		}
		if err := s.host(i, side, ep.Host); err != nil {
			return nil, err
		}
	}
	return &s, nil
}

// apply maps one changed setting.
func (s *Setup) apply(i int, side, name, value string, t *tcp.Settings) error {
	key := side + ".tcp." + name
	sysctl := func(k string, v int) { s.Sysctls[i] = append(s.Sysctls[i], [2]string{k, strconv.Itoa(v)}) }
	opt := func(n string, level, o, v int) {
		s.SockOpts[i] = append(s.SockOpts[i], SockOpt{Name: n, Level: level, Opt: o, Value: v})
	}
	switch name {
	case "delayed_ack":
		if !t.DelayedAck {
			s.Route[i] = append(s.Route[i], "quickack", "1")
		}
	case "rto_min":
		if t.RTOMin%time.Millisecond != 0 {
			return refuse("%s=%s: the route attribute rto_min takes whole milliseconds", key, value)
		}
		s.Route[i] = append(s.Route[i], "rto_min", fmt.Sprintf("%dms", t.RTOMin/time.Millisecond))
	case "fin_wait2_timeout":
		if t.FinWait2Timeout%time.Second != 0 || t.FinWait2Timeout == 0 {
			return refuse("%s=%s: net.ipv4.tcp_fin_timeout takes whole seconds, at least 1", key, value)
		}
		sysctl("net.ipv4.tcp_fin_timeout", int(t.FinWait2Timeout/time.Second))
	case "syn_retries":
		sysctl("net.ipv4.tcp_syn_retries", t.SynRetries)
	case "retries2":
		sysctl("net.ipv4.tcp_retries2", t.Retries2)
	case "orphan_retries":
		sysctl("net.ipv4.tcp_orphan_retries", t.OrphanRetries)
	case "rfc1337":
		sysctl("net.ipv4.tcp_rfc1337", b2i(t.RFC1337))
	case "nagle":
		opt("TCP_NODELAY", unix.IPPROTO_TCP, unix.TCP_NODELAY, b2i(!t.Nagle))
	case "mss":
		opt("TCP_MAXSEG", unix.IPPROTO_TCP, unix.TCP_MAXSEG, t.MSS)
	case "rcv_buf":
		// Linux doubles SO_RCVBUF for its bookkeeping and advertises
		// about half of the doubled value: asking for the size gives a
		// window of about the size.
		opt("SO_RCVBUF", unix.SOL_SOCKET, unix.SO_RCVBUF, t.RcvBuf)
	case "snd_buf":
		opt("SO_SNDBUF", unix.SOL_SOCKET, unix.SO_SNDBUF, t.SndBuf)
	default:
		return refuse("%s=%s: no sysctl, socket option or route attribute of a real kernel sets it (emu kernel takes the host's value; remove the setting or run it with emu run)", key, value)
	}
	return nil
}

func (s *Setup) host(i int, side string, h tcp.HostSettings) error {
	def := tcp.DefaultHostSettings()
	if h.PortLow != def.PortLow || h.PortHigh != def.PortHigh {
		s.Sysctls[i] = append(s.Sysctls[i], [2]string{"net.ipv4.ip_local_port_range", fmt.Sprintf("%d %d", h.PortLow, h.PortHigh)})
	}
	if h.TWReuse != def.TWReuse {
		s.Sysctls[i] = append(s.Sysctls[i], [2]string{"net.ipv4.tcp_tw_reuse", strconv.Itoa(h.TWReuse)})
	}
	if h.MaxTWBuckets != def.MaxTWBuckets {
		s.Sysctls[i] = append(s.Sysctls[i], [2]string{"net.ipv4.tcp_max_tw_buckets", strconv.Itoa(h.MaxTWBuckets)})
	}
	if h.WakeupLatency != nil {
		return refuse("%s.host.wakeup_latency: a real host's wake-ups are what they are; remove it for emu kernel", side)
	}
	return nil
}

// String lists the setup for messages.
func (s *Setup) String() string {
	var parts []string
	for i, side := range []string{"client", "server"} {
		for _, kv := range s.Sysctls[i] {
			parts = append(parts, side+": sysctl "+kv[0]+"="+kv[1])
		}
		if len(s.Route[i]) > 0 {
			parts = append(parts, side+": route "+strings.Join(s.Route[i], " "))
		}
		for _, o := range s.SockOpts[i] {
			parts = append(parts, fmt.Sprintf("%s: %s=%d", side, o.Name, o.Value))
		}
	}
	return strings.Join(parts, "; ")
}
