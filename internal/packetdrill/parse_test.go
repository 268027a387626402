package packetdrill

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/emu-sim/emu/tcp"
)

// parseOne parses a script whose first line is `0 socket(...) = 3` and
// whose second line is line, and returns the second event.
func parseOne(t *testing.T, line string) (*Event, error) {
	t.Helper()
	sc, err := Parse("t.pkt", "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"+line+"\n")
	if err != nil {
		return nil, err
	}
	if len(sc.Events) != 2 {
		t.Fatalf("%q: %d events, want 2", line, len(sc.Events))
	}
	return &sc.Events[1], nil
}

func TestParseGoodLines(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		line string
		when When
		pkt  *Packet
		call *Call
	}{
		{"+0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>",
			When{Kind: Relative},
			&Packet{Inbound: true, Flags: tcp.SYN, FlagText: "S", Win: 32792, HasWin: true, Options: []Option{
				{Kind: OptMSS, Value: 1000}, {Kind: OptSACKOK}, {Kind: OptNOP}, {Kind: OptNOP}, {Kind: OptNOP}, {Kind: OptWScale, Value: 7}}}, nil},
		{"+.1 > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>",
			When{Kind: Relative, Start: 100 * ms},
			&Packet{Flags: tcp.SYN | tcp.ACK, FlagText: "S.", Ack: 1, HasAck: true, Options: []Option{
				{Kind: OptMSS, Value: 1460}, {Kind: OptSACKOK}, {Kind: OptTS, Val: 100}, {Kind: OptNOP}, {Kind: OptWScale, Value: 7}}}, nil},
		{"0.2 < P. 1:101(100) ack 1 win 257",
			When{Kind: Absolute, Start: 200 * ms},
			&Packet{Inbound: true, Flags: tcp.PSH | tcp.ACK, FlagText: "P.", Seq: 1, Len: 100, Ack: 1, HasAck: true, Win: 257, HasWin: true}, nil},
		{"~+0.04 > F. 1:1(0) ack 102", When{Kind: Relative, Start: 40 * ms, Approx: true},
			&Packet{Flags: tcp.FIN | tcp.ACK, FlagText: "F.", Seq: 1, Ack: 102, HasAck: true}, nil},
		{"+0.03~+0.05 > . 1 ack 102 <...>", When{Kind: RelativeRange, Start: 30 * ms, End: 50 * ms},
			&Packet{Flags: tcp.ACK, FlagText: ".", Seq: 1, Ack: 102, HasAck: true, AnyOptions: true}, nil},
		{"* > R. 1:1(0) ack 1", When{Kind: Any},
			&Packet{Flags: tcp.RST | tcp.ACK, FlagText: "R.", Seq: 1, Ack: 1, HasAck: true}, nil},
		{"+ 0.00 > R 5:5(0)", When{Kind: Relative},
			&Packet{Flags: tcp.RST, FlagText: "R", Seq: 5}, nil},
		{"+0 < - 1:1(0) win 0", When{Kind: Relative},
			&Packet{Inbound: true, FlagText: "-", Seq: 1, HasWin: true}, nil},
		{"+0 read(4, ..., 1000) = -1 ECONNRESET (Connection reset by peer)", When{Kind: Relative}, nil,
			&Call{Name: "read", Args: []string{"4", "...", "1000"}, Ret: -1, Errno: "ECONNRESET"}},
		{"+0 write(4, ..., 10) = -1 EPIPE(Broken pipe)", When{Kind: Relative}, nil,
			&Call{Name: "write", Args: []string{"4", "...", "10"}, Ret: -1, Errno: "EPIPE"}},
		{"+0...0.3 accept(3, ..., ...) = 4", When{Kind: Relative}, nil,
			&Call{Name: "accept", Args: []string{"3", "...", "..."}, Ret: 4, Blocking: true, End: 300 * ms}},
		{"+0 setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0", When{Kind: Relative}, nil,
			&Call{Name: "setsockopt", Args: []string{"4", "SOL_SOCKET", "SO_LINGER", "{onoff=1, linger=0}", "8"}}},
		{"+0 fcntl(3, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)", When{Kind: Relative}, nil,
			&Call{Name: "fcntl", Args: []string{"3", "F_GETFL"}, Ret: 0x802}},
	}
	for _, c := range cases {
		ev, err := parseOne(t, c.line)
		if err != nil {
			t.Errorf("%q: %v", c.line, err)
			continue
		}
		if ev.When != c.when {
			t.Errorf("%q: time %+v, want %+v", c.line, ev.When, c.when)
		}
		if c.pkt != nil && !reflect.DeepEqual(ev.Packet, c.pkt) {
			t.Errorf("%q:\n got %+v\nwant %+v", c.line, ev.Packet, c.pkt)
		}
		if c.call != nil && !reflect.DeepEqual(ev.Call, c.call) {
			t.Errorf("%q:\n got %+v\nwant %+v", c.line, ev.Call, c.call)
		}
	}
}

func TestParseBadLines(t *testing.T) {
	cases := []struct{ line, msg string }{
		{"+0 < S 0:10(0) win 100", `t.pkt:2: inconsistent TCP sequence numbers and payload size in "0:10(0)"`},
		{"+0 < S 0:0(0)", "t.pkt:2: window must be specified for inbound packets (add win N)"},
		{"+0 < X 0:0(0) win 1", `t.pkt:2: unknown TCP flag 'X' in "X" (flags are S F R P . E W, or - for none)`},
		{"+0 > S.", `t.pkt:2: expected a sequence number (e.g. 1:1(0)) after the flags "S."`},
		{"+0 > . 1:1(0) ack", `t.pkt:2: expected a number after "ack"`},
		{"+0 > . 1:1(0) win 70000", "t.pkt:2: TCP window value out of range"},
		{"+0 > . 1:1(0) ack 1 <mss 1460,bogus 3>", `t.pkt:2: unknown TCP option "bogus"`},
		{"+0 > S 0:0(0) <TS val 1>", `t.pkt:2: bad timestamp option "TS val 1" (write TS val N ecr N)`},
		{"+0 < . 1:1(0) ack 1 win 10 <...>", "t.pkt:2: <...> for TCP options can only be used with outbound packets"},
		{"+0 frobnicate(3) = 0", `t.pkt:2: unknown system call "frobnicate"`},
		{"+0 close(3)", "t.pkt:2: close: expected '= result' after the arguments"},
		{"+0 close(3) = zero", `t.pkt:2: close: result "zero" is not a number`},
		{"+0 close(3) = 0 ECONNRESET", "t.pkt:2: close: an errno goes with the result -1, not 0"},
		{"+0 close(3) = -1 oops", `t.pkt:2: close: expected an errno name such as ECONNRESET after the result, found "oops"`},
		{"* close(3) = 0", "t.pkt:2: event time <star> can only be used with outbound packets"},
		{"+0.1~+0.2 < . 1:1(0) ack 1 win 1", "t.pkt:2: event time range can only be used with outbound packets"},
		{"+0.2~+0.1 > . 1:1(0) ack 1", "t.pkt:2: time range is backwards"},
		{"+0.1~0.2 > . 1:1(0) ack 1", "t.pkt:2: a time range mixes relative and absolute times (write +0.03~+0.05 or 0.03~0.05)"},
		{"~+0.1 close(3) = 0", "t.pkt:2: an approximate time ('~') can only be used with outbound packets"},
		{"-1 close(3) = 0", "t.pkt:2: negative time"},
		{"soon close(3) = 0", `t.pkt:2: expected a time (0, +0.1, *, 0.1~0.2) at the start of the line, found "soon"`},
		{"+0", "t.pkt:2: a time with no action after it"},
		{"+0 hello", `t.pkt:2: expected a packet (< or >) or a system call, found "hello"`},
		{"+0...0.1 > . 1:1(0) ack 1", "t.pkt:2: an end time ('...') can only be used with system calls"},
		{"+0 read(4, ..., 1000 = 0", "t.pkt:2: unbalanced brackets: the line never closes them"},
	}
	for _, c := range cases {
		_, err := parseOne(t, c.line)
		if err == nil || err.Error() != c.msg {
			t.Errorf("%q:\n got %v\nwant %s", c.line, err, c.msg)
		}
	}
}

// TestParseScript: comments, flags, shell lines, continuation lines and
// #ifdef; every problem is reported at once.
func TestParseScript(t *testing.T) {
	src := `// a comment
--tolerance_usecs=10000 --ip_version=ipv4 --verbose
/* a block
   comment */
` + "`echo hello\n# a shell comment, not a directive\necho bye`" + `
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3 // trailing comment
#ifdef FreeBSD
+0 close(3) = 0
#else
+0 setsockopt(3, SOL_SOCKET, SO_LINGER,
              {onoff=1, linger=0}, 8) = 0
#endif
+0 %{ print("x") }%
`
	sc, err := Parse("s.pkt", src, "Linux")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Tolerance != 10*time.Millisecond {
		t.Errorf("tolerance %v, want 10ms", sc.Tolerance)
	}
	want := []Ignored{{2, "flag --verbose"}, {5, "shell command"}}
	if !reflect.DeepEqual(sc.Ignored, want) {
		t.Errorf("ignored %+v, want %+v", sc.Ignored, want)
	}
	if len(sc.Events) != 3 || sc.Events[1].Call.Name != "setsockopt" || sc.Events[1].Line != 12 ||
		len(sc.Events[1].Call.Args) != 5 || sc.Events[2].Kind != IgnoredEvent {
		t.Errorf("events %+v", sc.Events)
	}
	sc, err = Parse("s.pkt", src, "FreeBSD")
	if err != nil || sc.Events[1].Call.Name != "close" {
		t.Errorf("#ifdef FreeBSD: %v %+v", err, sc)
	}

	_, err = Parse("bad.pkt", "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0(0)\n+0 bogus\n")
	wantErr := "bad.pkt:2: window must be specified for inbound packets (add win N)\n" +
		`bad.pkt:3: expected a packet (< or >) or a system call, found "bogus"`
	if err == nil || err.Error() != wantErr {
		t.Errorf("got %v\nwant %s", err, wantErr)
	}
	for _, c := range []struct{ src, msg string }{
		{"+1 close(3) = 0\n", "e.pkt:1: first event should be at time 0"},
		{"// nothing\n", "e.pkt:1: no events: a script needs at least one timed line"},
		{"0 close(3) = 0\n/* open\n", "e.pkt:2: unterminated /* comment"},
		{"#ifdef X\n0 close(3) = 0\n", "e.pkt:1: #ifdef without #endif"},
		{"0 close(3) = 0\n#if 1\n", `e.pkt:2: unknown directive "#if" (#ifdef, #ifndef, #else and #endif are supported)`},
		{"--tolerance_usecs=abc\n0 close(3) = 0\n", `e.pkt:1: bad --tolerance_usecs: "abc" is not a positive whole number`},
		{"0 close(3) = 0\n`unclosed\n", "e.pkt:2: unterminated shell command (no closing backquote)"},
		{"--profile=solaris\n0 close(3) = 0\n", `e.pkt:1: bad --profile: "solaris" is not one of linux, freebsd, windows, rfc9293`},
	} {
		_, err := Parse("e.pkt", c.src)
		if err == nil || err.Error() != c.msg {
			t.Errorf("%q:\n got %v\nwant %s", c.src, err, c.msg)
		}
	}
	if !strings.Contains(ProfileDefine("freebsd"), "FreeBSD") {
		t.Error("freebsd defines FreeBSD")
	}
}
