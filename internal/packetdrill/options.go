package packetdrill

import "strings"

// optionModel is the option list a profile's kernel puts on its segments.
// emu's endpoint carries the MSS option and whether timestamps are on; the
// runner lays out the rest as the kernel would, so that a script's option
// lists can be checked for the options it negotiates and their order (their
// values, except MSS, are not emu's to compute: timestamp values and window
// scaling are not modelled).
type optionModel struct {
	kernel string // "linux", "freebsd", "windows" or "" (MSS only)
	wscale uint32
}

func modelFor(profile string) optionModel {
	switch profile {
	case "", "linux":
		// wscale 7 for Linux's default tcp_rmem[2] of 6 MB.
		return optionModel{kernel: "linux", wscale: 7}
	case "freebsd":
		return optionModel{kernel: "freebsd", wscale: 6}
	case "windows":
		return optionModel{kernel: "windows", wscale: 8}
	}
	return optionModel{}
}

func (m optionModel) has(k OptionKind) bool {
	switch k {
	case OptMSS:
		return true
	case OptSACKOK, OptWScale:
		return m.kernel != ""
	case OptTS:
		// Windows leaves timestamps off by default (Tcp1323Opts).
		return m.kernel == "linux" || m.kernel == "freebsd"
	}
	return false
}

// build lays out the options a kernel writes for what it sends: the SYN
// offers all it has, a SYN,ACK only what the peer offered too.
func (m optionModel) build(mss uint32, sack, ts, ws bool) []Option {
	sack, ts, ws = sack && m.has(OptSACKOK), ts && m.has(OptTS), ws && m.has(OptWScale)
	nop := Option{Kind: OptNOP}
	out := []Option{{Kind: OptMSS, Value: mss}}
	switch m.kernel {
	case "linux":
		// tcp_options_write: MSS; sackOK+TS or nop,nop,TS; nop,nop,sackOK
		// without TS; nop,wscale.
		if ts {
			if sack {
				out = append(out, Option{Kind: OptSACKOK})
			} else {
				out = append(out, nop, nop)
			}
			out = append(out, Option{Kind: OptTS})
		}
		if sack && !ts {
			out = append(out, nop, nop, Option{Kind: OptSACKOK})
		}
		if ws {
			out = append(out, nop, Option{Kind: OptWScale, Value: m.wscale})
		}
	case "freebsd":
		// tcp_addoptions: MSS; nop,wscale; sackOK on an even offset; TS
		// at offset 2 mod 4 (NOPs before it); EOLs to a multiple of 4.
		n := 4
		if ws {
			out = append(out, nop, Option{Kind: OptWScale, Value: m.wscale})
			n += 4
		}
		if sack {
			if n%2 != 0 {
				out = append(out, nop)
				n++
			}
			out = append(out, Option{Kind: OptSACKOK})
			n += 2
		}
		if ts {
			for n%4 != 2 {
				out = append(out, nop)
				n++
			}
			out = append(out, Option{Kind: OptTS})
			n += 10
		}
		for n%4 != 0 {
			out = append(out, Option{Kind: OptEOL})
			n++
		}
	case "windows":
		// <mss 1460,nop,wscale 8,nop,nop,sackOK>
		if ws {
			out = append(out, nop, Option{Kind: OptWScale, Value: m.wscale})
		}
		if sack {
			out = append(out, nop, nop, Option{Kind: OptSACKOK})
		}
	}
	return out
}

// peerOffer is what the remote side's SYN (or SYN,ACK) offered.
type peerOffer struct {
	seen   bool
	sackOK bool
	ts     bool
	wscale bool
	shift  uint32
}

func offerOf(opts []Option) peerOffer {
	o := peerOffer{seen: true}
	for _, x := range opts {
		switch x.Kind {
		case OptSACKOK:
			o.sackOK = true
		case OptTS:
			o.ts = true
		case OptWScale:
			o.wscale, o.shift = true, min(x.Value, 14)
		}
	}
	return o
}

// synAck returns the options of the SYN,ACK answering offer.
func (m optionModel) synAck(mss uint32, peer peerOffer) []Option {
	return m.build(mss, peer.sackOK, peer.ts, peer.wscale)
}

// synOptions returns the options of an active open's SYN.
func (m optionModel) synOptions(mss uint32) []Option {
	return m.build(mss, true, true, true)
}

// established returns the options of a segment after the handshake:
// <nop,nop,TS val X ecr Y> when timestamps were negotiated.
func established(ts bool) []Option {
	if ts {
		return []Option{{Kind: OptNOP}, {Kind: OptNOP}, {Kind: OptTS}}
	}
	return []Option{}
}

// optionsString writes a list as a script does; TS values emu does not
// compute are written as '*'.
func optionsString(opts []Option, emu bool) string {
	if len(opts) == 0 {
		return ""
	}
	s := make([]string, len(opts))
	for i, o := range opts {
		if emu && o.Kind == OptTS {
			s[i] = "TS val * ecr *"
			continue
		}
		s[i] = o.String()
	}
	return "<" + strings.Join(s, ",") + ">"
}
