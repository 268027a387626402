package tcp

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/emu-sim/emu/internal/units"
)

// DelAckMode says how an endpoint delays its ACKs.
type DelAckMode string

const (
	// DelAckAdaptive is Linux's scheme: quick-ACK budget, adaptive ATO,
	// ping-pong mode, and a received FIN that enters ping-pong mode so that its
	// ACK is delayed (TCP-FACTS.md, "Linux: delayed ACK").
	DelAckAdaptive DelAckMode = "adaptive"
	// DelAckFixed is the textbook scheme of BSD, Windows and RFC 1122: one
	// fixed timer (DelAckMax), an ACK at once for every second full-sized
	// segment, and an immediate ACK of a FIN.
	DelAckFixed DelAckMode = "fixed"
)

// UnreadClose says what close() does when received data is still unread.
type UnreadClose string

const (
	// UnreadCloseRST sends RST instead of FIN (RFC 2525 2.17; Linux, Windows).
	UnreadCloseRST UnreadClose = "rst"
	// UnreadCloseDiscard drops the unread data and sends FIN (FreeBSD).
	UnreadCloseDiscard UnreadClose = "discard"
)

// Settings are the TCP settings of one endpoint. A profile fills all of them;
// a scenario's `tcp:` block overrides any of them per endpoint. The YAML name
// of each field is given by settingFields.
type Settings struct {
	DelayedAck       bool          // delay ACKs at all (false: ACK every segment at once)
	DelAckMode       DelAckMode    // adaptive (Linux) or fixed
	DelAckMin        time.Duration // adaptive: the least and initial ATO (Linux TCP_ATO_MIN)
	DelAckMax        time.Duration // adaptive: the ATO ceiling (TCP_DELACK_MAX); fixed: the timer
	QuickAckSegments int           // ACKs sent at once at connection start (Linux TCP_MAX_QUICKACKS)
	AckEvery         int           // ACK at once when this many full-sized segments are unacknowledged
	RTOMin           time.Duration
	RTOInitial       time.Duration
	RTOMax           time.Duration
	MSL              time.Duration
	TimeWait         time.Duration // length of TIME_WAIT; 0 means 2*MSL
	FinWait2Timeout  time.Duration // orphaned FIN_WAIT_2 lifetime; 0 means wait forever
	SynRetries       int
	Retries2         int
	OrphanRetries    int // FIN retransmissions of an orphaned socket; 0 means 8 on Linux, as Retries2 elsewhere
	MSS              int
	RcvBuf           int
	SndBuf           int
	Nagle            bool
	RFC1337          bool        // ignore RST in TIME_WAIT (RFC 1337's fix)
	HZ               int         // kernel timer tick rate; 0 = exact timers
	UnreadClose      UnreadClose // close() with unread data: rst or discard
}

// EffectiveTimeWait returns the TIME_WAIT length: TimeWait, or 2*MSL when it is 0.
func (s *Settings) EffectiveTimeWait() time.Duration {
	if s.TimeWait > 0 {
		return s.TimeWait
	}
	if s.MSL > math.MaxInt64/2 {
		return math.MaxInt64 // Validate refuses it; never wrap negative
	}
	return 2 * s.MSL
}

type fieldKind uint8

const (
	kindBool fieldKind = iota
	kindDuration
	kindInt
	kindSize
	kindEnum
)

// settingField describes one setting: its YAML name, its form and where it lives.
type settingField struct {
	name  string
	kind  fieldKind
	enum  []string
	doc   string
	bools func(*Settings) *bool
	durs  func(*Settings) *time.Duration
	ints  func(*Settings) *int
	strs  func(*Settings) *string
}

var settingFields = []settingField{
	{name: "delayed_ack", kind: kindBool, doc: "delay ACKs (false: ACK every segment at once)", bools: func(s *Settings) *bool { return &s.DelayedAck }},
	{name: "delack_mode", kind: kindEnum, enum: []string{"adaptive", "fixed"}, doc: "adaptive (Linux quick-ack/ping-pong/ATO) or fixed timer", strs: func(s *Settings) *string { return (*string)(&s.DelAckMode) }},
	{name: "delack_min", kind: kindDuration, doc: "adaptive: initial and least ACK timeout (ato)", durs: func(s *Settings) *time.Duration { return &s.DelAckMin }},
	{name: "delack_max", kind: kindDuration, doc: "adaptive: ato ceiling; fixed: the delayed-ACK timer", durs: func(s *Settings) *time.Duration { return &s.DelAckMax }},
	{name: "quickack_segments", kind: kindInt, doc: "ACKs sent at once at connection start and after idle", ints: func(s *Settings) *int { return &s.QuickAckSegments }},
	{name: "ack_every", kind: kindInt, doc: "ACK at once when this many full-sized segments are unacknowledged", ints: func(s *Settings) *int { return &s.AckEvery }},
	{name: "rto_min", kind: kindDuration, doc: "least retransmission timeout", durs: func(s *Settings) *time.Duration { return &s.RTOMin }},
	{name: "rto_initial", kind: kindDuration, doc: "retransmission timeout before an RTT sample", durs: func(s *Settings) *time.Duration { return &s.RTOInitial }},
	{name: "rto_max", kind: kindDuration, doc: "largest retransmission timeout", durs: func(s *Settings) *time.Duration { return &s.RTOMax }},
	{name: "msl", kind: kindDuration, doc: "maximum segment lifetime", durs: func(s *Settings) *time.Duration { return &s.MSL }},
	{name: "time_wait", kind: kindDuration, doc: "TIME_WAIT length (0 = 2*msl)", durs: func(s *Settings) *time.Duration { return &s.TimeWait }},
	{name: "fin_wait2_timeout", kind: kindDuration, doc: "orphaned FIN_WAIT_2 lifetime (0 = forever)", durs: func(s *Settings) *time.Duration { return &s.FinWait2Timeout }},
	{name: "syn_retries", kind: kindInt, doc: "SYN retransmissions before connect fails with ETIMEDOUT", ints: func(s *Settings) *int { return &s.SynRetries }},
	{name: "retries2", kind: kindInt, doc: "data retransmissions before the connection fails with ETIMEDOUT", ints: func(s *Settings) *int { return &s.Retries2 }},
	{name: "orphan_retries", kind: kindInt, doc: "FIN retransmissions after close() (0 = 8 with delack_mode adaptive, as Linux; else as retries2)", ints: func(s *Settings) *int { return &s.OrphanRetries }},
	{name: "mss", kind: kindSize, doc: "maximum segment size in bytes", ints: func(s *Settings) *int { return &s.MSS }},
	{name: "rcv_buf", kind: kindSize, doc: "receive buffer (advertised window) in bytes", ints: func(s *Settings) *int { return &s.RcvBuf }},
	{name: "snd_buf", kind: kindSize, doc: "send buffer in bytes", ints: func(s *Settings) *int { return &s.SndBuf }},
	{name: "nagle", kind: kindBool, doc: "Nagle's algorithm (TCP_NODELAY off)", bools: func(s *Settings) *bool { return &s.Nagle }},
	{name: "rfc1337", kind: kindBool, doc: "ignore RST in TIME_WAIT", bools: func(s *Settings) *bool { return &s.RFC1337 }},
	{name: "hz", kind: kindInt, doc: "kernel timer tick in Hz (0 = exact timers)", ints: func(s *Settings) *int { return &s.HZ }},
	{name: "unread_close", kind: kindEnum, enum: []string{"rst", "discard"}, doc: "close() with unread data: rst, or discard it and send FIN", strs: func(s *Settings) *string { return (*string)(&s.UnreadClose) }},
}

// SettingNames returns the YAML names of all settings, in display order.
func SettingNames() []string {
	names := make([]string, len(settingFields))
	for i, f := range settingFields {
		names[i] = f.name
	}
	return names
}

func findField(name string) (*settingField, error) {
	for i := range settingFields {
		if settingFields[i].name == name {
			return &settingFields[i], nil
		}
	}
	return nil, fmt.Errorf("unknown TCP setting %q (known: %s)", name, strings.Join(SettingNames(), ", "))
}

// Set parses value (as written in YAML) into the setting called name.
func (s *Settings) Set(name, value string) error {
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
	case kindEnum:
		for _, e := range f.enum {
			if e == value {
				*f.strs(s) = value
				return nil
			}
		}
		return fmt.Errorf("%s: %q is not one of %s", name, value, strings.Join(f.enum, ", "))
	}
	return nil
}

// Get returns the setting called name written as Set reads it.
func (s *Settings) Get(name string) (string, error) {
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
	default:
		return *f.strs(s), nil
	}
}

// Setting is one setting's name, value (as Set reads it) and meaning.
type Setting struct {
	Name, Value, Doc string
}

// List returns every setting in display order.
func (s *Settings) List() []Setting {
	out := make([]Setting, len(settingFields))
	for i, f := range settingFields {
		v, _ := s.Get(f.name)
		out[i] = Setting{Name: f.name, Value: v, Doc: f.doc}
	}
	return out
}

// Validate reports settings that cannot work together.
func (s *Settings) Validate() error {
	switch {
	case s.MSS < 64:
		return fmt.Errorf("mss %d is below 64 bytes", s.MSS)
	case s.RcvBuf < s.MSS:
		return fmt.Errorf("rcv_buf %d is smaller than mss %d", s.RcvBuf, s.MSS)
	case s.SndBuf < 1:
		return fmt.Errorf("snd_buf must be at least 1 byte")
	case s.RTOMin <= 0 || s.RTOInitial <= 0 || s.RTOMax <= 0:
		return fmt.Errorf("rto_min, rto_initial and rto_max must be positive")
	case s.RTOMin > s.RTOMax:
		return fmt.Errorf("rto_min %v is above rto_max %v", s.RTOMin, s.RTOMax)
	case s.DelayedAck && s.DelAckMax <= 0:
		return fmt.Errorf("delack_max must be positive when delayed_ack is on")
	case s.DelAckMin > s.DelAckMax:
		return fmt.Errorf("delack_min %v is above delack_max %v", s.DelAckMin, s.DelAckMax)
	case s.AckEvery < 1:
		return fmt.Errorf("ack_every must be at least 1")
	case s.HZ > 100000:
		return fmt.Errorf("hz %d is above 100000", s.HZ)
	case s.TimeWait == 0 && s.MSL > math.MaxInt64/2:
		return fmt.Errorf("msl %v is too long: TIME_WAIT lasts 2 × msl, which must be at most 2562047h (about 292 years)", s.MSL)
	case s.EffectiveTimeWait() <= 0:
		return fmt.Errorf("time_wait and msl are both 0")
	}
	return nil
}
