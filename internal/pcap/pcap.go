// Package pcap writes a run's segments as a pcap file that Wireshark and
// tshark open: Ethernet, IPv4 and TCP headers with valid checksums, the MSS
// option on SYNs, zero-filled payloads of the segments' lengths, and virtual
// time as timestamps (nanosecond resolution, counted from the Unix epoch, so
// a run starts at 1970-01-01 00:00:00 UTC).
//
// The encoding is gopacket's (github.com/gopacket/gopacket, the maintained
// fork of google/gopacket): its layers serialise and checksum the headers
// and its pcapgo writer writes the file, both in pure Go (no libpcap, no
// cgo). Only the layers and pcapgo subpackages are used.
package pcap

import (
	"fmt"
	"io"
	"net"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// Addresses of the two hosts in every capture. The model has one client and
// one server host, so fixed addresses keep captures of different runs
// comparable; the MACs are locally administered (bit 1 of the first octet)
// so that they can never collide with a real vendor's.
var (
	ClientIP  = net.IPv4(10, 0, 0, 1).To4()
	ServerIP  = net.IPv4(10, 0, 0, 2).To4()
	ClientMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 1}
	ServerMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 2}
)

// DefaultWindow is the window field written for segments whose window is not
// known (FromSegments): the largest value an unscaled window can hold.
const DefaultWindow = 65535

// SnapLen is the snapshot length in the file header. Frames are never
// truncated: it is libpcap's default, larger than any IPv4 frame.
const SnapLen = 262144

// maxPayload is the largest payload an IPv4 packet of a TCP segment without
// options can hold (the total length is a 16-bit field).
const maxPayload = 65535 - tcp.IPHeaderLen - tcp.TCPHeaderLen

// Packet is one segment as it left its sender: what a capture shows of it.
// It is its own type, rather than results.Segment, because a capture needs
// header fields (window, MSS option) that classification does not.
type Packet struct {
	At         engine.Time // send time: the frame's timestamp
	FromClient bool        // sent by the client (10.0.0.1), else by the server
	Flags      tcp.Flags
	Seq, Ack   uint32 // absolute, as on the wire
	Window     uint32 // receive window in bytes; written clamped to 65535 (no window scaling)
	Len        int    // payload bytes, written as zeros
	MSS        uint16 // MSS option value; 0 = no option
}

// Endpoints are the two ends' TCP ports. The addresses are fixed (ClientIP,
// ServerIP); the ports come from the run, where ephemeral ports vary.
type Endpoints struct {
	ClientPort, ServerPort uint16
}

// Options say how Write lays out a capture beyond the packets themselves.
type Options struct {
	Endpoints // TCP ports of the client and the server
}

// FromSegments converts a run's record of segments into packets. The record
// keeps no window or options, so every packet gets DefaultWindow, and SYN
// segments get the MSS option of their sender, mss[results.Client] or
// mss[results.Server] (0 leaves it out).
func FromSegments(segs []results.Segment, mss [2]uint16) []Packet {
	pk := make([]Packet, len(segs))
	for i := range segs {
		s := &segs[i]
		pk[i] = Packet{At: s.At, FromClient: s.From == results.Client, Flags: s.Flags,
			Seq: s.Seq, Ack: s.Ack, Len: s.Len, Window: DefaultWindow}
		if s.Flags&tcp.SYN != 0 && s.From <= results.Server {
			pk[i].MSS = mss[s.From]
		}
	}
	return pk
}

// FromTrace returns the packets of a traced run, with the window and MSS
// option each segment really carried, and the run's ports. Segments the
// trace has no header record for keep FromSegments' defaults.
func FromTrace(t *sim.Trace) ([]Packet, Options) {
	pk := FromSegments(t.Run.Segments, [2]uint16{})
	for i := range pk {
		if i < len(t.Windows) {
			pk[i].Window = t.Windows[i]
		}
		if i < len(t.MSS) {
			pk[i].MSS = t.MSS[i]
		}
	}
	return pk, Options{Endpoints{ClientPort: t.Ports[results.Client], ServerPort: t.Ports[results.Server]}}
}

// Write writes pkts, in the order given, as a classic pcap file
// (LINKTYPE_ETHERNET, nanosecond timestamps) to w: one frame per packet at
// its send time, with IPv4 (TTL 64, DF, an IP ID counting up from 0 per
// sender) and TCP headers whose checksums are valid. A packet whose payload
// cannot fit in one IPv4 packet is an error naming it; frames before it have
// been written.
func Write(w io.Writer, pkts []Packet, opt Options) error {
	pw := pcapgo.NewWriterNanos(w)
	if err := pw.WriteFileHeader(SnapLen, layers.LinkTypeEthernet); err != nil {
		return fmt.Errorf("pcap: file header: %w", err)
	}
	var ipID [2]uint16
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	var payload []byte
	for i := range pkts {
		p := &pkts[i]
		limit := maxPayload
		if p.MSS != 0 {
			limit -= tcp.MSSOptionLen
		}
		if p.Len < 0 || p.Len > limit {
			return fmt.Errorf("pcap: packet %d: payload of %d bytes does not fit in an IPv4 packet (0 to %d)", i, p.Len, limit)
		}
		if p.At < 0 {
			return fmt.Errorf("pcap: packet %d: negative time %d", i, p.At)
		}
		side := results.Server
		eth := &layers.Ethernet{SrcMAC: ServerMAC, DstMAC: ClientMAC, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Flags: layers.IPv4DontFragment, Protocol: layers.IPProtocolTCP, SrcIP: ServerIP, DstIP: ClientIP}
		th := &layers.TCP{SrcPort: layers.TCPPort(opt.ServerPort), DstPort: layers.TCPPort(opt.ClientPort)}
		if p.FromClient {
			side = results.Client
			eth.SrcMAC, eth.DstMAC = ClientMAC, ServerMAC
			ip.SrcIP, ip.DstIP = ClientIP, ServerIP
			th.SrcPort, th.DstPort = layers.TCPPort(opt.ClientPort), layers.TCPPort(opt.ServerPort)
		}
		ip.Id = ipID[side]
		ipID[side]++
		th.Seq, th.Ack = p.Seq, p.Ack
		th.FIN, th.SYN, th.RST = p.Flags&tcp.FIN != 0, p.Flags&tcp.SYN != 0, p.Flags&tcp.RST != 0
		th.PSH, th.ACK = p.Flags&tcp.PSH != 0, p.Flags&tcp.ACK != 0
		// Without window scaling the field holds at most 65535.
		th.Window = uint16(min(p.Window, 65535))
		if p.MSS != 0 {
			// Four option bytes keep the header a multiple of 32 bits, so
			// gopacket adds no padding and the data offset is 6.
			th.Options = []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{byte(p.MSS >> 8), byte(p.MSS)}}}
		}
		if err := th.SetNetworkLayerForChecksum(ip); err != nil {
			return fmt.Errorf("pcap: packet %d: %w", i, err)
		}
		if cap(payload) < p.Len {
			payload = make([]byte, p.Len)
		}
		if err := gopacket.SerializeLayers(buf, opts, eth, ip, th, gopacket.Payload(payload[:p.Len])); err != nil {
			return fmt.Errorf("pcap: packet %d: %w", i, err)
		}
		data := buf.Bytes()
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, int64(p.At)).UTC(), CaptureLength: len(data), Length: len(data)}
		if err := pw.WritePacket(ci, data); err != nil {
			return fmt.Errorf("pcap: packet %d: %w", i, err)
		}
	}
	return nil
}
