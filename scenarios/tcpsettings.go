package scenarios

// The text form of TCP settings: their YAML names, forms and meanings, and
// how a value written in a scenario (or --set, or a packetdrill --set) is
// read into tcp.Settings and written back (emu show-profile, summary.json).
// tcp itself knows the settings only as typed fields.

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emu-sim/emu/internal/units"
	"github.com/emu-sim/emu/tcp"
)

type fieldKind uint8

const (
	kindBool fieldKind = iota
	kindDuration
	kindInt
	kindSize
	kindEnum
	kindProb
)

// settingField describes one setting: its YAML name, its form and where it lives.
type settingField struct {
	name  string
	kind  fieldKind
	enum  []string
	doc   string
	bools func(*tcp.Settings) *bool
	durs  func(*tcp.Settings) *time.Duration
	ints  func(*tcp.Settings) *int
	strs  func(*tcp.Settings) *string
	flts  func(*tcp.Settings) *float64
	errs  func(*tcp.Settings) *tcp.Errno // an enum of errno names
}

var settingFields = []settingField{
	{name: "delayed_ack", kind: kindBool, doc: "delay ACKs (false: ACK every segment at once)", bools: func(s *tcp.Settings) *bool { return &s.DelayedAck }},
	{name: "delack_mode", kind: kindEnum, enum: []string{"adaptive", "fixed"}, doc: "adaptive (Linux quick-ack/ping-pong/ATO) or fixed timer", strs: func(s *tcp.Settings) *string { return (*string)(&s.DelAckMode) }},
	{name: "delack_min", kind: kindDuration, doc: "adaptive: initial and least ACK timeout (ato)", durs: func(s *tcp.Settings) *time.Duration { return &s.DelAckMin }},
	{name: "delack_max", kind: kindDuration, doc: "adaptive: ato ceiling; fixed: the delayed-ACK timer", durs: func(s *tcp.Settings) *time.Duration { return &s.DelAckMax }},
	{name: "quickack_segments", kind: kindInt, doc: "ACKs sent at once at connection start and after idle", ints: func(s *tcp.Settings) *int { return &s.QuickAckSegments }},
	{name: "ack_every", kind: kindInt, doc: "ACK at once when this many full-sized segments are unacknowledged", ints: func(s *tcp.Settings) *int { return &s.AckEvery }},
	{name: "rto_min", kind: kindDuration, doc: "least retransmission timeout", durs: func(s *tcp.Settings) *time.Duration { return &s.RTOMin }},
	{name: "rto_initial", kind: kindDuration, doc: "retransmission timeout before an RTT sample", durs: func(s *tcp.Settings) *time.Duration { return &s.RTOInitial }},
	{name: "rto_max", kind: kindDuration, doc: "largest retransmission timeout", durs: func(s *tcp.Settings) *time.Duration { return &s.RTOMax }},
	{name: "msl", kind: kindDuration, doc: "maximum segment lifetime", durs: func(s *tcp.Settings) *time.Duration { return &s.MSL }},
	{name: "time_wait", kind: kindDuration, doc: "TIME_WAIT length (0 = 2*msl)", durs: func(s *tcp.Settings) *time.Duration { return &s.TimeWait }},
	{name: "fin_wait2_timeout", kind: kindDuration, doc: "orphaned FIN_WAIT_2 lifetime (0 = forever)", durs: func(s *tcp.Settings) *time.Duration { return &s.FinWait2Timeout }},
	{name: "syn_retries", kind: kindInt, doc: "SYN retransmissions before connect fails with ETIMEDOUT", ints: func(s *tcp.Settings) *int { return &s.SynRetries }},
	{name: "retries2", kind: kindInt, doc: "data retransmissions before the connection fails with ETIMEDOUT", ints: func(s *tcp.Settings) *int { return &s.Retries2 }},
	{name: "orphan_retries", kind: kindInt, doc: "FIN retransmissions after close() (0: see zero_orphan_retries)", ints: func(s *tcp.Settings) *int { return &s.OrphanRetries }},
	{name: "mss", kind: kindSize, doc: "maximum segment size in bytes", ints: func(s *tcp.Settings) *int { return &s.MSS }},
	{name: "rcv_buf", kind: kindSize, doc: "receive buffer (advertised window) in bytes", ints: func(s *tcp.Settings) *int { return &s.RcvBuf }},
	{name: "snd_buf", kind: kindSize, doc: "send buffer in bytes", ints: func(s *tcp.Settings) *int { return &s.SndBuf }},
	{name: "nagle", kind: kindBool, doc: "Nagle's algorithm (TCP_NODELAY off)", bools: func(s *tcp.Settings) *bool { return &s.Nagle }},
	{name: "rfc1337", kind: kindBool, doc: "ignore RST in TIME_WAIT", bools: func(s *tcp.Settings) *bool { return &s.RFC1337 }},
	{name: "hz", kind: kindInt, doc: "kernel timer tick in Hz (0 = exact timers)", ints: func(s *tcp.Settings) *int { return &s.HZ }},
	{name: "unread_close", kind: kindEnum, enum: []string{"rst", "discard"}, doc: "close() with unread data: rst, or discard it and send FIN", strs: func(s *tcp.Settings) *string { return (*string)(&s.UnreadClose) }},
	{name: "rto_formula", kind: kindEnum, enum: []string{"linux", "rfc6298"}, doc: "RTO from the RTT estimates: linux (srtt + max(4 rttvar, rto_min)) or rfc6298 (max(rto_min, srtt + 4 rttvar))", strs: func(s *tcp.Settings) *string { return (*string)(&s.RTOFormula) }},
	{name: "fin_wait2_rto_floor", kind: kindBool, doc: "an orphan waits in FIN_WAIT_2 at least 3.5 RTO (Linux tcp_fin_time)", bools: func(s *tcp.Settings) *bool { return &s.FinWait2RTOFloor }},
	{name: "timer_late_prob", kind: kindProb, doc: "share of kernel timer expiries handled one tick late (softirq latency; needs hz)", flts: func(s *tcp.Settings) *float64 { return &s.TimerLateProb }},
	{name: "zero_orphan_retries", kind: kindEnum, enum: []string{"eight", "retries2"}, doc: "what orphan_retries 0 means: eight (Linux) or retries2", strs: func(s *tcp.Settings) *string { return (*string)(&s.ZeroOrphanRetries) }},
	{name: "oow_ack_ratelimit", kind: kindDuration, doc: "at most one ACK per this interval for out-of-window segments and challenge ACKs (Linux tcp_invalid_ratelimit; 0 = none)", durs: func(s *tcp.Settings) *time.Duration { return &s.OOWAckRateLimit }},
	{name: "close_wait_reset_error", kind: kindEnum, enum: []string{"EPIPE", "ECONNRESET"}, doc: "the error a RST in CLOSE_WAIT leaves: EPIPE (Linux) or ECONNRESET", errs: func(s *tcp.Settings) *tcp.Errno { return &s.CloseWaitResetErrno }},
	{name: "eof_before_error", kind: kindBool, doc: "a read returns the FIN's end of file before a pending error (Linux); false: the error first (BSD)", bools: func(s *tcp.Settings) *bool { return &s.EOFBeforeError }},
	{name: "time_wait_answers", kind: kindEnum, enum: []string{"linux", "rfc9293"}, doc: "TIME_WAIT: linux (any ACK restarts the timer, all but a bare ACK answered) or rfc9293 (only a retransmitted FIN restarts it)", strs: func(s *tcp.Settings) *string { return (*string)(&s.TimeWaitAnswers) }},
	{name: "sack", kind: kindBool, doc: "offer SACK (RFC 2018); emu uses it only for the tail loss probe's loss detection", bools: func(s *tcp.Settings) *bool { return &s.SACK }},
	{name: "tail_loss_probe", kind: kindBool, doc: "probe a lost tail 2 srtt (+ rto_min with one segment in flight) after sending (RFC 8985, Linux); needs sack", bools: func(s *tcp.Settings) *bool { return &s.TailLossProbe }},
	{name: "timestamps", kind: kindBool, doc: "offer TCP timestamps (RFC 7323): 12 option bytes per segment, needed by tw_reuse", bools: func(s *tcp.Settings) *bool { return &s.Timestamps }},
	{name: "isn", kind: kindEnum, enum: []string{"linux", "rfc6528", "freebsd", "random"}, doc: "initial sequence numbers: linux (hash + 64 ns clock), rfc6528 (hash + 4 µs clock), freebsd (hash + growing offset) or random", strs: func(s *tcp.Settings) *string { return (*string)(&s.ISN) }},
	{name: "ack_resends_fin", kind: kindBool, doc: "ACKs sent while our FIN is unacknowledged are FIN retransmissions (FreeBSD)", bools: func(s *tcp.Settings) *bool { return &s.AckResendsFin }},
	{name: "rto_slop", kind: kindDuration, doc: "added to each computed retransmission timeout (FreeBSD tcp_rexmit_slop)", durs: func(s *tcp.Settings) *time.Duration { return &s.RTOSlop }},
}

// SettingNames returns the YAML names of all settings, in display order.
func TCPSettingNames() []string {
	names := make([]string, len(settingFields))
	for i, f := range settingFields {
		names[i] = f.name
	}
	return names
}

// SettingInfo describes one setting for references and schemas: its YAML
// name, the form of its value ("bool", "duration", "int", "size" or
// "enum"), the values an enum takes, and its meaning.
type TCPSettingInfo struct {
	Name, Kind string
	Enum       []string
	Doc        string
}

// SettingInfos returns every setting's description, in display order.
func TCPSettingInfos() []TCPSettingInfo {
	kinds := [...]string{kindBool: "bool", kindDuration: "duration", kindInt: "int", kindSize: "size", kindEnum: "enum", kindProb: "probability"}
	out := make([]TCPSettingInfo, len(settingFields))
	for i, f := range settingFields {
		out[i] = TCPSettingInfo{Name: f.name, Kind: kinds[f.kind], Enum: append([]string(nil), f.enum...), Doc: f.doc}
	}
	return out
}

func findField(name string) (*settingField, error) {
	for i := range settingFields {
		if settingFields[i].name == name {
			return &settingFields[i], nil
		}
	}
	return nil, fmt.Errorf("unknown TCP setting %q (known: %s)", name, strings.Join(TCPSettingNames(), ", "))
}

// Set parses value (as written in YAML) into the setting called name.
func SetTCP(s *tcp.Settings, name, value string) error {
	f, err := findField(name)
	if err != nil {
		return err
	}
	value = strings.TrimSpace(value)
	switch f.kind {
	case kindBool:
		b, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("%s: %q is not true or false", name, value)
		}
		*f.bools(s) = b
	case kindDuration:
		d, err := units.ParseDuration(value)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		*f.durs(s) = d
	case kindInt:
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 || n > 1<<30 {
			return fmt.Errorf("%s: %q is not a whole number from 0 to %d", name, value, 1<<30)
		}
		*f.ints(s) = n
	case kindSize:
		n, err := units.ParseSize(value)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if n > 1<<30 {
			return fmt.Errorf("%s: %s is too large (at most 1GiB)", name, value)
		}
		*f.ints(s) = int(n)
	case kindProb:
		x, err := strconv.ParseFloat(value, 64)
		if err != nil || !(x >= 0 && x <= 1) {
			return fmt.Errorf("%s: %q is not a probability from 0 to 1", name, value)
		}
		*f.flts(s) = x
	case kindEnum:
		for _, e := range f.enum {
			if e == value {
				if f.errs != nil {
					*f.errs(s) = tcp.ErrnoByName(value)
					return nil
				}
				*f.strs(s) = value
				return nil
			}
		}
		return fmt.Errorf("%s: %q is not one of %s", name, value, strings.Join(f.enum, ", "))
	}
	return nil
}

// Get returns the setting called name written as Set reads it.
func GetTCP(s *tcp.Settings, name string) (string, error) {
	f, err := findField(name)
	if err != nil {
		return "", err
	}
	switch f.kind {
	case kindBool:
		return strconv.FormatBool(*f.bools(s)), nil
	case kindDuration:
		return units.FormatDuration(*f.durs(s)), nil
	case kindInt:
		return strconv.Itoa(*f.ints(s)), nil
	case kindSize:
		return strconv.Itoa(*f.ints(s)), nil
	case kindProb:
		return strconv.FormatFloat(*f.flts(s), 'g', -1, 64), nil
	case kindEnum:
		if f.errs != nil {
			return f.errs(s).String(), nil
		}
		return *f.strs(s), nil
	default:
		return *f.strs(s), nil
	}
}

// Setting is one setting's name, value (as Set reads it) and meaning.
type TCPSetting struct {
	Name, Value, Doc string
}

// List returns every setting in display order.
func ListTCP(s *tcp.Settings) []TCPSetting {
	out := make([]TCPSetting, len(settingFields))
	for i, f := range settingFields {
		v, _ := GetTCP(s, f.name)
		out[i] = TCPSetting{Name: f.name, Value: v, Doc: f.doc}
	}
	return out
}
