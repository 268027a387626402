package packetdrill

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emu-sim/emu/tcp"
)

// LineError is a problem at one line of a script.
type LineError struct {
	File string
	Line int
	Msg  string
}

// Error writes the problem as file:line: message.
func (e LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// ParseError holds every problem found in a script, in line order.
type ParseError struct{ Errs []LineError }

// Error writes one problem per line.
func (e *ParseError) Error() string {
	s := make([]string, len(e.Errs))
	for i, x := range e.Errs {
		s[i] = x.Error()
	}
	return strings.Join(s, "\n")
}

// ParseFile reads and parses the script at path; defines are the names
// `#ifdef` lines test (see Parse).
func ParseFile(path string, defines ...string) (*Script, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read script: %w", err)
	}
	return Parse(path, string(b), defines...)
}

// ProfileDefine is the name a profile defines for `#ifdef` lines: FreeBSD's
// own suite writes its kernel's variants under `#ifdef FreeBSD` and the
// specification's under `#ifdef STANDARD`.
func ProfileDefine(profile string) string {
	switch profile {
	case "freebsd":
		return "FreeBSD"
	case "rfc9293":
		return "STANDARD"
	case "windows":
		return "Windows"
	}
	return "Linux"
}

// srcLine is one logical line: its text and the number of its first
// physical line.
type srcLine struct {
	n    int
	text string
}

// Parse parses a script's text; file names it in messages. Lines between
// `#ifdef NAME` (or `#ifndef NAME`) and `#else` or `#endif` count only when
// NAME is (or is not) among defines. All problems are reported at once, as
// a *ParseError.
func Parse(file, text string, defines ...string) (*Script, error) {
	sc := &Script{File: file, Tolerance: -1, TolerancePercent: -1}
	var errs []LineError
	fail := func(line int, format string, a ...any) {
		errs = append(errs, LineError{file, line, fmt.Sprintf(format, a...)})
	}
	text, err := conditionals(text, defines)
	if err != nil {
		var le LineError
		errors.As(err, &le)
		le.File = file
		return nil, &ParseError{[]LineError{le}}
	}
	lines, err := logicalLines(text)
	if err != nil {
		var le LineError
		errors.As(err, &le)
		le.File = file
		return nil, &ParseError{[]LineError{le}}
	}
	for _, l := range lines {
		t := l.text
		switch {
		case strings.HasPrefix(t, "`"):
			sc.Ignored = append(sc.Ignored, Ignored{l.n, "shell command"})
			continue
		case strings.HasPrefix(t, "%{"):
			sc.Ignored = append(sc.Ignored, Ignored{l.n, "code block"})
			continue
		case strings.HasPrefix(t, "--"):
			if len(sc.Events) > 0 {
				fail(l.n, "flags line %q after the first event (flags go at the top)", t)
				continue
			}
			if err := sc.flag(t, l.n); err != nil {
				fail(l.n, "%v", err)
			}
			continue
		}
		ev, err := parseEvent(t)
		if err != nil {
			fail(l.n, "%v", err)
			continue
		}
		ev.Line = l.n
		ev.Text = t
		if len(sc.Events) == 0 && len(errs) == 0 && (ev.When.Kind != Absolute || ev.When.Start != 0) &&
			!(ev.When.Kind == Relative && ev.When.Start == 0) {
			fail(l.n, "first event should be at time 0")
		}
		sc.Events = append(sc.Events, *ev)
	}
	if len(errs) > 0 {
		return nil, &ParseError{errs}
	}
	if len(sc.Events) == 0 {
		return nil, &ParseError{[]LineError{{file, 1, "no events: a script needs at least one timed line"}}}
	}
	return sc, nil
}

// flag reads a `--name=value` line.
func (sc *Script) flag(t string, line int) error {
	for _, f := range strings.Fields(t) {
		name, val, _ := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		switch name {
		case "tolerance_usecs":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("bad --tolerance_usecs: %q is not a positive whole number", val)
			}
			sc.Tolerance = time.Duration(n) * time.Microsecond
		case "tolerance_percent":
			p, err := strconv.ParseFloat(val, 64)
			if err != nil || p < 0 || math.IsInf(p, 0) {
				return fmt.Errorf("bad --tolerance_percent: %q is not a percentage", val)
			}
			sc.TolerancePercent = p
		case "profile":
			// emu's own flag: the profile a script is written for, so
			// that one command can run scripts for several kernels.
			if _, err := tcp.Profile(val); err != nil || val == "" {
				return fmt.Errorf("bad --profile: %q is not one of %s", val, strings.Join(tcp.ProfileNames, ", "))
			}
			sc.Profile = val
		case "ip_version":
			if val != "ipv4" {
				// IPv6 changes the MSS (and IPv4-mapped addresses
				// nothing emu could check).
				sc.Needs = fmt.Sprintf("--ip_version=%s (emu models IPv4 headers) (line %d)", val, line)
			}
		case "mtu":
			if val != "1500" {
				sc.Needs = fmt.Sprintf("--mtu=%s (emu's MSS comes from its mss setting) (line %d)", val, line)
			}
		default:
			sc.Ignored = append(sc.Ignored, Ignored{line, "flag --" + name})
		}
	}
	return nil
}

// conditionals blanks the lines an #ifdef/#ifndef excludes and the
// directive lines themselves, keeping line numbers.
func conditionals(text string, defines []string) (string, error) {
	lines := strings.Split(text, "\n")
	type frame struct {
		line         int
		active, took bool
	}
	var stack []frame
	active := func() bool {
		for _, f := range stack {
			if !f.active {
				return false
			}
		}
		return true
	}
	for i, l := range lines {
		t := strings.TrimSpace(l)
		directive := false
		for _, d := range []string{"#ifdef", "#ifndef", "#else", "#endif", "#if", "#elif", "#define", "#include", "#undef"} {
			if t == d || strings.HasPrefix(t, d+" ") || strings.HasPrefix(t, d+"\t") {
				directive = true
			}
		}
		if !directive {
			// Not a directive: a '#' in a shell command, for example.
			if !active() {
				lines[i] = ""
			}
			continue
		}
		f := strings.Fields(t)
		switch f[0] {
		case "#ifdef", "#ifndef":
			if len(f) != 2 {
				return "", LineError{Line: i + 1, Msg: f[0] + " needs one name"}
			}
			on := slices.Contains(defines, f[1]) == (f[0] == "#ifdef")
			stack = append(stack, frame{i + 1, on, on})
		case "#else":
			if len(stack) == 0 {
				return "", LineError{Line: i + 1, Msg: "#else without #ifdef"}
			}
			top := &stack[len(stack)-1]
			top.active = !top.took
		case "#endif":
			if len(stack) == 0 {
				return "", LineError{Line: i + 1, Msg: "#endif without #ifdef"}
			}
			stack = stack[:len(stack)-1]
		default:
			return "", LineError{Line: i + 1, Msg: fmt.Sprintf("unknown directive %q (#ifdef, #ifndef, #else and #endif are supported)", f[0])}
		}
		lines[i] = ""
	}
	if len(stack) > 0 {
		return "", LineError{Line: stack[len(stack)-1].line, Msg: "#ifdef without #endif"}
	}
	return strings.Join(lines, "\n"), nil
}

// logicalLines removes comments and joins lines that continue: a shell
// command until its closing backquote, a code block until `}%`, and any
// line whose brackets are not yet closed.
func logicalLines(text string) ([]srcLine, error) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	phys := strings.Split(text, "\n")
	var out []srcLine
	inBlock := false // inside /* */
	blockStart := 0
	var cur strings.Builder
	start := 0
	depth := 0
	inShell, inCode := false, false
	for i, raw := range phys {
		n := i + 1
		var b strings.Builder
		for j := 0; j < len(raw); j++ {
			c := raw[j]
			if inBlock {
				if c == '*' && j+1 < len(raw) && raw[j+1] == '/' {
					inBlock = false
					j++
				}
				continue
			}
			if inShell || inCode {
				b.WriteByte(c)
				if inShell && c == '`' {
					inShell = false
				}
				if inCode && c == '}' && j+1 < len(raw) && raw[j+1] == '%' {
					b.WriteByte('%')
					j++
					inCode = false
				}
				continue
			}
			if c == '/' && j+1 < len(raw) && raw[j+1] == '*' {
				inBlock, blockStart = true, n
				j++
				continue
			}
			if c == '/' && j+1 < len(raw) && raw[j+1] == '/' {
				rest := strings.TrimSpace(raw[j+2:])
				if cur.Len() == 0 && b.Len() == 0 && strings.HasPrefix(rest, "--tolerance_") {
					// packetdrill flags are also read from a leading comment.
					b.WriteString(rest)
				}
				break
			}
			if c == '`' {
				inShell = true
			}
			if c == '%' && j+1 < len(raw) && raw[j+1] == '{' {
				inCode = true
			}
			switch c {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				depth--
			}
			b.WriteByte(c)
		}
		piece := strings.TrimSpace(b.String())
		if piece == "" && cur.Len() == 0 {
			continue
		}
		if cur.Len() == 0 {
			start = n
		} else if piece != "" {
			cur.WriteByte(' ')
		}
		cur.WriteString(piece)
		if inShell || inCode || depth > 0 || strings.HasSuffix(piece, ",") {
			continue
		}
		if depth < 0 {
			return nil, LineError{Line: start, Msg: "unbalanced brackets: a closing bracket without an opening one"}
		}
		out = append(out, srcLine{start, cur.String()})
		cur.Reset()
	}
	switch {
	case inBlock:
		return nil, LineError{Line: blockStart, Msg: "unterminated /* comment"}
	case inShell:
		return nil, LineError{Line: start, Msg: "unterminated shell command (no closing backquote)"}
	case inCode:
		return nil, LineError{Line: start, Msg: "unterminated code block (no closing }%)"}
	case depth > 0:
		return nil, LineError{Line: start, Msg: "unbalanced brackets: the line never closes them"}
	}
	if cur.Len() > 0 {
		out = append(out, srcLine{start, cur.String()})
	}
	return out, nil
}

// parseEvent parses `time action`.
func parseEvent(t string) (*Event, error) {
	ev := &Event{}
	rest, err := parseWhen(t, &ev.When)
	if err != nil {
		return nil, err
	}
	rest = strings.TrimSpace(rest)
	var end string
	var blocking bool
	if strings.HasPrefix(rest, "...") {
		// A blocking call's end time: `+0...0.3 read(...)`.
		r := strings.TrimSpace(rest[3:])
		i := strings.IndexFunc(r, func(c rune) bool { return !(c >= '0' && c <= '9' || c == '.') })
		if i <= 0 {
			return nil, fmt.Errorf("expected an end time after '...'")
		}
		end, rest, blocking = r[:i], strings.TrimSpace(r[i:]), true
	}
	switch {
	case rest == "":
		return nil, fmt.Errorf("a time with no action after it")
	case rest[0] == '<' || rest[0] == '>':
		if blocking {
			return nil, fmt.Errorf("an end time ('...') can only be used with system calls")
		}
		p, err := parsePacket(rest)
		if err != nil {
			return nil, err
		}
		ev.Kind, ev.Packet = PacketEvent, p
	case rest[0] == '`' || strings.HasPrefix(rest, "%{"):
		if blocking {
			return nil, fmt.Errorf("an end time ('...') can only be used with system calls")
		}
		ev.Kind, ev.Ignore = IgnoredEvent, "code block"
		if rest[0] == '`' {
			ev.Ignore = "shell command"
		}
	default:
		c, err := parseCall(rest)
		if err != nil {
			return nil, err
		}
		if blocking {
			d, err := parseSeconds(end)
			if err != nil {
				return nil, err
			}
			c.Blocking, c.End = true, d
			if d < ev.When.Start {
				return nil, fmt.Errorf("time range is backwards")
			}
		}
		ev.Kind, ev.Call = CallEvent, c
	}
	outbound := ev.Kind == PacketEvent && !ev.Packet.Inbound
	switch {
	case ev.When.Kind == Any && !outbound:
		return nil, fmt.Errorf("event time <star> can only be used with outbound packets")
	case (ev.When.Kind == AbsoluteRange || ev.When.Kind == RelativeRange) && !outbound:
		return nil, fmt.Errorf("event time range can only be used with outbound packets")
	case ev.When.Approx && !outbound:
		return nil, fmt.Errorf("an approximate time ('~') can only be used with outbound packets")
	}
	return ev, nil
}

// parseWhen reads the time at the start of t into w and returns the rest.
func parseWhen(t string, w *When) (string, error) {
	if strings.HasPrefix(t, "*") {
		w.Kind = Any
		return t[1:], nil
	}
	if strings.HasPrefix(t, "~") {
		w.Approx = true
		t = t[1:]
	}
	rel := strings.HasPrefix(t, "+")
	if rel {
		t = strings.TrimLeft(t[1:], " \t") // FreeBSD's suite writes "+ 0.00"
	}
	num, rest := leadingNumber(t)
	if num == "" {
		if strings.HasPrefix(t, "-") {
			return "", fmt.Errorf("negative time")
		}
		return "", fmt.Errorf("expected a time (0, +0.1, *, 0.1~0.2) at the start of the line, found %q", firstWord(t))
	}
	d, err := parseSeconds(num)
	if err != nil {
		return "", err
	}
	w.Start = d
	w.Kind = Absolute
	if rel {
		w.Kind = Relative
	}
	if strings.HasPrefix(rest, "~") {
		if w.Approx {
			return "", fmt.Errorf("'~' before a time range: write either ~+0.04 or +0.03~+0.05")
		}
		r := rest[1:]
		rel2 := strings.HasPrefix(r, "+")
		if rel2 != rel {
			return "", fmt.Errorf("a time range mixes relative and absolute times (write +0.03~+0.05 or 0.03~0.05)")
		}
		if rel2 {
			r = r[1:]
		}
		num2, rest2 := leadingNumber(r)
		if num2 == "" {
			return "", fmt.Errorf("expected the end of the time range after '~'")
		}
		e, err := parseSeconds(num2)
		if err != nil {
			return "", err
		}
		if e < d {
			return "", fmt.Errorf("time range is backwards")
		}
		w.End = e
		w.Kind = AbsoluteRange
		if rel {
			w.Kind = RelativeRange
		}
		rest = rest2
	}
	return rest, nil
}

// leadingNumber splits a decimal number (digits and at most one point, not
// the '...' of an end time) from the front of t.
func leadingNumber(t string) (num, rest string) {
	i, dot := 0, false
	for i < len(t) {
		c := t[i]
		if c >= '0' && c <= '9' {
			i++
			continue
		}
		if c == '.' && !dot && !strings.HasPrefix(t[i:], "...") {
			dot = true
			i++
			continue
		}
		break
	}
	if i == 0 || t[:i] == "." {
		return "", t
	}
	return t[:i], t[i:]
}

// parseSeconds reads seconds such as "0.040" or ".1" exactly to the
// microsecond, as packetdrill does.
func parseSeconds(s string) (time.Duration, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e6 {
		return 0, fmt.Errorf("bad time %q (seconds, e.g. 0.040)", s)
	}
	return time.Duration(math.Round(f*1e6)) * time.Microsecond, nil
}

func firstWord(t string) string {
	t = strings.TrimSpace(t)
	if i := strings.IndexAny(t, " \t("); i > 0 {
		return t[:i]
	}
	return t
}
