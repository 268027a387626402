package packetdrill

import "strings"

// optionModel is the option list a profile's kernel puts on its segments.
// emu's endpoint carries only the MSS option; the runner adds the rest as
// the kernel would, so that a script's option lists can be checked for the
// options it negotiates and their order (their values, except MSS, are not
// emu's to compute: timestamps and window scaling are not modelled).
type optionModel struct {
	syn    []Option // an active open's SYN, all options offered
	linux  bool     // SYN,ACK built in Linux's order (tcp_options_write)
	wscale uint32
}

func modelFor(profile string) optionModel {
	nop := Option{Kind: OptNOP}
	switch profile {
	case "", "linux":
		// Linux: <mss 1460,sackOK,TS val X ecr 0,nop,wscale 7> (wscale 7
		// for the default tcp_rmem[2] of 6 MB).
		return optionModel{linux: true, wscale: 7, syn: []Option{{Kind: OptMSS}, {Kind: OptSACKOK}, {Kind: OptTS}, nop, {Kind: OptWScale, Value: 7}}}
	case "freebsd":
		// FreeBSD tcp_addoptions: MSS, window scale, SACK permitted,
		// timestamps, padded with NOPs: <mss 1460,nop,wscale 6,sackOK,TS val X ecr 0>.
		return optionModel{wscale: 6, syn: []Option{{Kind: OptMSS}, nop, {Kind: OptWScale, Value: 6}, {Kind: OptSACKOK}, {Kind: OptTS}}}
	case "windows":
		// Windows: no timestamps by default: <mss 1460,nop,wscale 8,nop,nop,sackOK>.
		return optionModel{wscale: 8, syn: []Option{{Kind: OptMSS}, nop, {Kind: OptWScale, Value: 8}, nop, nop, {Kind: OptSACKOK}}}
	}
	// The specification's endpoint sends the MSS option only.
	return optionModel{syn: []Option{{Kind: OptMSS}}}
}

func (m optionModel) has(k OptionKind) bool {
	for _, o := range m.syn {
		if o.Kind == k {
			return true
		}
	}
	return false
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

// synAck returns the options of the SYN,ACK answering offer: only what the
// peer offered too (Linux tcp_synack_options, tcp_options_write order:
// MSS; sackOK+TS or nop,nop,TS; nop,nop,sackOK without TS; nop,wscale).
func (m optionModel) synAck(mss uint32, peer peerOffer) []Option {
	nop := Option{Kind: OptNOP}
	sack, ts, ws := peer.sackOK && m.has(OptSACKOK), peer.ts && m.has(OptTS), peer.wscale && m.has(OptWScale)
	out := []Option{{Kind: OptMSS, Value: mss}}
	if m.linux {
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
		return out
	}
	// Other kernels: the SYN's list without what the peer did not offer
	// (and the NOPs that padded it).
	keep := map[OptionKind]bool{OptSACKOK: sack, OptTS: ts, OptWScale: ws}
	var pending []Option
	for _, o := range m.syn[1:] {
		if o.Kind == OptNOP {
			pending = append(pending, o)
			continue
		}
		if keep[o.Kind] {
			out = append(out, pending...)
			out = append(out, o)
		}
		pending = nil
	}
	return out
}

// synOptions returns the options of an active open's SYN.
func (m optionModel) synOptions(mss uint32) []Option {
	out := append([]Option(nil), m.syn...)
	out[0].Value = mss
	return out
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
