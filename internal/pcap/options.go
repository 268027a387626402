package pcap

import (
	"encoding/binary"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/tcp"
)

// features are the TCP options a kernel offers on its SYN. emu models MSS,
// timestamps and SACK permitted (packets of a trace carry them, Packet.Sent)
// but not window scaling; a capture carries the kernel's window scale
// anyway, and for hand-made packets all four, so that it looks like the
// kernel's and tools read it as they would a real one (Wireshark scales
// windows and matches timestamps only when the SYNs negotiated them).
type features struct {
	sack, ts bool
	wscale   int // window scale shift; -1 = no window scale option
}

// kernel is how one profile's kernel writes a SYN's options.
type kernel struct {
	offer  features
	layout func(mss uint16, f features, tsval, tsecr uint32) []layers.TCPOption
}

// kernels maps profile names to their SYN options. The shifts are what the
// default buffer sizes give: Linux 7 (tcp_rmem[2] = 6 MB,
// tcp_select_initial_window), FreeBSD 6 and Windows 8, as their SYNs show
// in captures. Windows does not offer timestamps by default
// (Tcp1323Opts); the RFC 9293 profile offers nothing but MSS. A name
// missing here (""), too, gets MSS only.
var kernels = map[string]kernel{
	"linux":   {features{sack: true, ts: true, wscale: 7}, linuxOptions},
	"freebsd": {features{sack: true, ts: true, wscale: 6}, freebsdOptions},
	"windows": {features{sack: true, wscale: 8}, windowsOptions},
}

func kernelOf(profile string) kernel {
	if k, ok := kernels[profile]; ok {
		return k
	}
	return kernel{features{wscale: -1}, mssOnly}
}

var nop = layers.TCPOption{OptionType: layers.TCPOptionKindNop, OptionLength: 1}

func mssOption(mss uint16) layers.TCPOption {
	return layers.TCPOption{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: binary.BigEndian.AppendUint16(nil, mss)}
}

func sackPermOption() layers.TCPOption {
	return layers.TCPOption{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2}
}

func tsOption(val, ecr uint32) layers.TCPOption {
	d := binary.BigEndian.AppendUint32(nil, val)
	return layers.TCPOption{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: binary.BigEndian.AppendUint32(d, ecr)}
}

func wscaleOption(shift int) layers.TCPOption {
	return layers.TCPOption{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{byte(shift)}}
}

func mssOnly(mss uint16, _ features, _, _ uint32) []layers.TCPOption {
	if mss == 0 {
		return nil
	}
	return []layers.TCPOption{mssOption(mss)}
}

// linuxOptions follows tcp_options_write (net/ipv4/tcp_output.c): MSS;
// SACK permitted folded into the timestamps' padding, or behind two NOPs
// when there are no timestamps; NOP and window scale. With all four that is
// tcpdump's "mss 1460,sackOK,TS val ecr 0,nop,wscale 7", without
// timestamps "mss 1460,nop,nop,sackOK,nop,wscale 7".
func linuxOptions(mss uint16, f features, tsval, tsecr uint32) []layers.TCPOption {
	o := mssOnly(mss, f, 0, 0)
	if f.ts {
		if f.sack {
			o = append(o, sackPermOption())
		} else {
			o = append(o, nop, nop)
		}
		o = append(o, tsOption(tsval, tsecr))
	} else if f.sack {
		o = append(o, nop, nop, sackPermOption())
	}
	if f.wscale >= 0 {
		o = append(o, nop, wscaleOption(f.wscale))
	}
	return o
}

// freebsdOptions follows tcp_addoptions (sys/netinet/tcp_output.c): MSS,
// window scale aligned by a NOP, SACK permitted, timestamps: tcpdump's
// "mss 1460,nop,wscale 6,sackOK,TS val ecr 0".
func freebsdOptions(mss uint16, f features, tsval, tsecr uint32) []layers.TCPOption {
	o := mssOnly(mss, f, 0, 0)
	if f.wscale >= 0 {
		o = append(o, nop, wscaleOption(f.wscale))
	}
	if f.sack {
		o = append(o, sackPermOption())
	}
	if f.ts {
		if !f.sack {
			o = append(o, nop, nop)
		}
		o = append(o, tsOption(tsval, tsecr))
	}
	return o
}

// windowsOptions is what Windows' SYNs carry: "mss 1460,nop,wscale
// 8,nop,nop,sackOK".
func windowsOptions(mss uint16, f features, tsval, tsecr uint32) []layers.TCPOption {
	o := mssOnly(mss, f, 0, 0)
	if f.wscale >= 0 {
		o = append(o, nop, wscaleOption(f.wscale))
	}
	if f.ts {
		o = append(o, nop, nop, tsOption(tsval, tsecr))
	}
	if f.sack {
		o = append(o, nop, nop, sackPermOption())
	}
	return o
}

// optionsLen is the length of options as gopacket serialises them, without
// the padding to a multiple of four.
func optionsLen(o []layers.TCPOption) int {
	n := 0
	for _, x := range o {
		if x.OptionType <= layers.TCPOptionKindNop {
			n++
		} else {
			n += 2 + len(x.OptionData)
		}
	}
	return n
}

// both is what two SYNs negotiated: an option counts only if both offered
// it (RFC 7323 2.2 and 3.2, RFC 2018 2).
func both(a, b features) features {
	f := features{sack: a.sack && b.sack, ts: a.ts && b.ts, wscale: -1}
	if a.wscale >= 0 && b.wscale >= 0 {
		f.wscale = a.wscale
	}
	return f
}

// tsClock is the timestamp clock's tick: both Linux (tcp_time_stamp_ts,
// TCP_TS_HZ = 1000) and FreeBSD (tcp_ts_getticks) count milliseconds.
const tsClock = time.Millisecond

// tsVal is a side's timestamp value at time at. Kernels add a random
// offset per connection (Linux's ts_off, RFC 7323 5.4); emu takes the
// side's initial sequence number, itself drawn from the run's seed, so the
// values look like a kernel's and stay reproducible.
func tsVal(isn uint32, at engine.Time) uint32 {
	return isn + uint32(int64(at)/int64(tsClock))
}

// hasFlag reports whether a packet carries a flag.
func (p *Packet) hasFlag(f tcp.Flags) bool { return p.Flags&f != 0 }
