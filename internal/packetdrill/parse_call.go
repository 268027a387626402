package packetdrill

import (
	"fmt"
	"strconv"
	"strings"
)

// supportedCalls are the system calls the runner executes.
var supportedCalls = map[string]bool{
	"socket": true, "bind": true, "listen": true, "accept": true, "connect": true,
	"read": true, "write": true, "send": true, "recv": true, "close": true,
	"shutdown": true, "setsockopt": true, "getsockopt": true, "fcntl": true,
}

// otherCalls are packetdrill's other system calls: they parse, and a script
// that uses one is reported unsupported rather than wrong.
var otherCalls = map[string]bool{
	"readv": true, "writev": true, "sendto": true, "recvfrom": true, "sendmsg": true,
	"recvmsg": true, "poll": true, "ioctl": true, "sendfile": true, "splice": true,
	"open": true, "epoll_create": true, "epoll_ctl": true, "epoll_wait": true, "pipe": true,
	"getsockname": true, "getpeername": true, "accept4": true, "socketpair": true, "sendmmsg": true,
	"recvmmsg": true, "select": true, "usleep": true,
}

// parseCall reads `name(args) = result [ERRNO] [(note)]`.
func parseCall(t string) (*Call, error) {
	open := strings.IndexByte(t, '(')
	if open <= 0 {
		return nil, fmt.Errorf("expected a packet (< or >) or a system call, found %q", firstWord(t))
	}
	name := strings.TrimSpace(t[:open])
	for _, c := range name {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return nil, fmt.Errorf("expected a packet (< or >) or a system call, found %q", firstWord(t))
		}
	}
	if !supportedCalls[name] && !otherCalls[name] {
		return nil, fmt.Errorf("unknown system call %q", name)
	}
	depth, closeAt := 0, -1
	for i := open; i < len(t) && closeAt < 0; i++ {
		switch t[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth == 0 {
				closeAt = i
			}
		}
	}
	if closeAt < 0 {
		return nil, fmt.Errorf("%s: unclosed '('", name)
	}
	c := &Call{Name: name, Args: splitArgs(t[open+1 : closeAt])}
	rest := strings.TrimSpace(t[closeAt+1:])
	if !strings.HasPrefix(rest, "=") {
		return nil, fmt.Errorf("%s: expected '= result' after the arguments", name)
	}
	// An errno may touch its note: `= -1 EPIPE(Broken pipe)`.
	f := strings.Fields(strings.Replace(strings.TrimSpace(rest[1:]), "(", " (", 1))
	if len(f) == 0 {
		return nil, fmt.Errorf("%s: expected a result after '='", name)
	}
	ret, err := strconv.ParseInt(f[0], 0, 64)
	if err != nil {
		return nil, fmt.Errorf("%s: result %q is not a number", name, f[0])
	}
	c.Ret = ret
	if len(f) > 1 && !strings.HasPrefix(f[1], "(") {
		if !strings.HasPrefix(f[1], "E") || strings.ToUpper(f[1]) != f[1] {
			return nil, fmt.Errorf("%s: expected an errno name such as ECONNRESET after the result, found %q", name, f[1])
		}
		c.Errno = f[1]
		f = f[2:]
	} else {
		f = f[1:]
	}
	if len(f) > 0 && !strings.HasPrefix(f[0], "(") {
		return nil, fmt.Errorf("%s: unexpected %q after the result", name, f[0])
	}
	if c.Errno != "" && c.Ret != -1 {
		return nil, fmt.Errorf("%s: an errno goes with the result -1, not %d", name, c.Ret)
	}
	return c, nil
}

// splitArgs splits at top-level commas.
func splitArgs(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	if last := strings.TrimSpace(s[start:]); last != "" || len(out) > 0 {
		out = append(out, last)
	}
	return out
}
