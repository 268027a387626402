package packetdrill

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/emu-sim/emu/tcp"
)

// parsePacket reads `< flags seq [ack N] [win N] [<options>]`.
func parsePacket(t string) (*Packet, error) {
	p := &Packet{Inbound: t[0] == '<'}
	rest := strings.TrimSpace(t[1:])
	// Optional IP information: [ect0], (tos 0x2), ...
	if rest != "" && (rest[0] == '[' || rest[0] == '(') {
		closing := map[byte]byte{'[': ']', '(': ')'}[rest[0]]
		i := strings.IndexByte(rest, closing)
		if i < 0 {
			return nil, fmt.Errorf("unclosed %q", rest[:1])
		}
		info := strings.ToLower(rest[1:i])
		switch {
		case info == "noecn":
		case strings.Contains(info, "ect") || strings.Contains(info, "ce"):
			p.ECN = true
		default:
			// Valid packetdrill, but emu models TCP only.
			p.Protocol = "IP header fields " + rest[:i+1]
			return p, nil
		}
		rest = strings.TrimSpace(rest[i+1:])
	}
	if strings.Contains(rest, "/udp(") {
		// FreeBSD's suite: TCP encapsulated in UDP (RFC 8899 style).
		p.Protocol = "TCP over UDP"
		return p, nil
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		return nil, fmt.Errorf("expected TCP flags after %q", t[:1])
	}
	switch strings.ToLower(f[0]) {
	case "icmp", "udp", "udplite", "gre", "mpls":
		p.Protocol = strings.ToLower(f[0])
		return p, nil
	}
	if err := p.parseFlags(f[0]); err != nil {
		return nil, err
	}
	if len(f) < 2 {
		return nil, fmt.Errorf("expected a sequence number (e.g. 1:1(0)) after the flags %q", f[0])
	}
	if err := p.parseSeq(f[1]); err != nil {
		return nil, err
	}
	f = f[2:]
	for len(f) > 0 {
		switch {
		case f[0] == "ack" || f[0] == "win" || f[0] == "urg":
			if len(f) < 2 {
				return nil, fmt.Errorf("expected a number after %q", f[0])
			}
			n, err := strconv.ParseUint(f[1], 10, 64)
			switch {
			case err != nil:
				return nil, fmt.Errorf("%s %q is not a whole number", f[0], f[1])
			case f[0] == "ack" && n > 1<<32-1:
				return nil, fmt.Errorf("TCP ack sequence number out of range")
			case f[0] == "win" && n > 65535:
				return nil, fmt.Errorf("TCP window value out of range")
			case f[0] == "urg":
				p.Urgent = true
			case f[0] == "ack":
				p.Ack, p.HasAck = uint32(n), true
			default:
				p.Win, p.HasWin = uint32(n), true
			}
			f = f[2:]
		case strings.HasPrefix(f[0], "<"):
			opts := strings.Join(f, " ")
			if !strings.HasSuffix(opts, ">") {
				return nil, fmt.Errorf("TCP options %q do not end with '>'", opts)
			}
			if err := p.parseOptions(opts[1 : len(opts)-1]); err != nil {
				return nil, err
			}
			f = nil
		default:
			return nil, fmt.Errorf("unexpected %q in a packet line (expected ack N, win N or <options>)", f[0])
		}
	}
	if p.Inbound && !p.HasWin {
		return nil, fmt.Errorf("window must be specified for inbound packets (add win N)")
	}
	return p, nil
}

func (p *Packet) parseFlags(w string) error {
	p.FlagText = w
	if w == "-" {
		return nil
	}
	for _, c := range w {
		switch c {
		case 'S':
			p.Flags |= tcp.SYN
		case 'F':
			p.Flags |= tcp.FIN
		case 'R':
			p.Flags |= tcp.RST
		case 'P':
			p.Flags |= tcp.PSH
		case '.':
			p.Flags |= tcp.ACK
		case 'E', 'W':
			p.ECN = true
		case 'U':
			p.Urgent = true
		default:
			return fmt.Errorf("unknown TCP flag %q in %q (flags are S F R P . E W, or - for none)", c, w)
		}
	}
	return nil
}

// parseSeq reads `start:end(len)` or a bare `start` (no payload).
func (p *Packet) parseSeq(w string) error {
	if rest, ok := strings.CutPrefix(w, "..."); ok && !p.Inbound {
		// FreeBSD's packetdrill: any sequence number, `...(len)`.
		p.AnySeq = true
		if rest == "" {
			return nil
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(rest, "("), ")"), 10, 16)
		if err != nil || !strings.HasPrefix(rest, "(") || !strings.HasSuffix(rest, ")") {
			return fmt.Errorf("bad TCP sequence range %q (write ...(length) for any sequence number)", w)
		}
		p.Len = int(n)
		return nil
	}
	start, tail, ok := strings.Cut(w, ":")
	s, err := strconv.ParseUint(start, 10, 64)
	if err != nil || s > 1<<32-1 {
		return fmt.Errorf("bad TCP sequence number %q (write start:end(length), e.g. 1:101(100))", w)
	}
	p.Seq = uint32(s)
	if !ok {
		return nil
	}
	end, ln, ok := strings.Cut(tail, "(")
	if !ok || !strings.HasSuffix(ln, ")") {
		return fmt.Errorf("bad TCP sequence range %q (write start:end(length), e.g. 1:101(100))", w)
	}
	e, err1 := strconv.ParseUint(end, 10, 64)
	n, err2 := strconv.ParseUint(strings.TrimSuffix(ln, ")"), 10, 64)
	switch {
	case err1 != nil || e > 1<<32-1:
		return fmt.Errorf("TCP end sequence number out of range in %q", w)
	case err2 != nil || n > 65535:
		return fmt.Errorf("TCP payload size out of range in %q", w)
	case uint32(e) != p.Seq+uint32(n):
		return fmt.Errorf("inconsistent TCP sequence numbers and payload size in %q", w)
	}
	p.Len = int(n)
	return nil
}

func (p *Packet) parseOptions(s string) error {
	s = strings.TrimSpace(s)
	if s == "..." {
		if p.Inbound {
			return fmt.Errorf("<...> for TCP options can only be used with outbound packets")
		}
		p.AnyOptions = true
		return nil
	}
	p.Options = []Option{}
	for _, item := range strings.Split(s, ",") {
		f := strings.Fields(item)
		if len(f) == 0 {
			return fmt.Errorf("empty TCP option in <%s>", s)
		}
		num := func(i int, what string, limit uint64) (uint32, error) {
			if len(f) <= i {
				return 0, fmt.Errorf("expected a number after %q", strings.Join(f[:i], " "))
			}
			n, err := strconv.ParseUint(f[i], 10, 64)
			if err != nil || n > limit {
				return 0, fmt.Errorf("%s value %q out of range", what, f[i])
			}
			return uint32(n), nil
		}
		var o Option
		var err error
		switch f[0] {
		case "nop":
			o.Kind = OptNOP
		case "eol":
			o.Kind = OptEOL
		case "sackOK":
			o.Kind = OptSACKOK
		case "mss":
			o.Kind = OptMSS
			o.Value, err = num(1, "mss", 65535)
		case "wscale":
			o.Kind = OptWScale
			o.Value, err = num(1, "window scale shift count", 255)
		case "TS":
			o.Kind = OptTS
			if len(f) != 5 || f[1] != "val" || f[3] != "ecr" {
				return fmt.Errorf("bad timestamp option %q (write TS val N ecr N)", strings.TrimSpace(item))
			}
			if o.Val, err = num(2, "ts val", 1<<32-1); err == nil {
				o.Ecr, err = num(4, "ecr val", 1<<32-1)
			}
		case "sack":
			o.Kind = OptSACK
			for _, b := range f[1:] {
				l, r, ok := strings.Cut(b, ":")
				x, e1 := strconv.ParseUint(l, 10, 32)
				y, e2 := strconv.ParseUint(r, 10, 32)
				if !ok || e1 != nil || e2 != nil {
					return fmt.Errorf("bad SACK block %q (write start:end)", b)
				}
				o.Blocks = append(o.Blocks, [2]uint32{uint32(x), uint32(y)})
			}
		case "FO", "FOEXP":
			o.Kind = OptFastOpen
		case "md5":
			o.Kind = OptMD5
		default:
			return fmt.Errorf("unknown TCP option %q", f[0])
		}
		if err != nil {
			return err
		}
		switch o.Kind {
		case OptNOP, OptEOL, OptSACKOK:
			if len(f) > 1 {
				return fmt.Errorf("option %s takes no value, found %q", f[0], strings.Join(f[1:], " "))
			}
		case OptMSS, OptWScale:
			if len(f) > 2 {
				return fmt.Errorf("unexpected %q after %s %s", f[2], f[0], f[1])
			}
		}
		p.Options = append(p.Options, o)
	}
	return nil
}
