// Package pcap writes a run's segments as a pcap file that Wireshark and
// tshark open: Ethernet, IPv4 and TCP headers with valid checksums, the MSS
// option on SYNs, zero-filled payloads of the segments' lengths, and virtual
// time as timestamps (nanosecond resolution, counted from the Unix epoch).
//
// The encoding is gopacket's (github.com/gopacket/gopacket, the maintained
// fork of google/gopacket): its layers serialise and checksum the headers
// and its pcapgo writer writes the file, both in pure Go.
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

// Addresses of the two hosts in every capture.
var (
	ClientIP  = net.IPv4(10, 0, 0, 1).To4()
	ServerIP  = net.IPv4(10, 0, 0, 2).To4()
	ClientMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 1} // locally administered
	ServerMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 2}
)

// Packet is one segment as it left its sender.
type Packet struct {
	At         engine.Time
	FromClient bool
	Flags      tcp.Flags
	Seq, Ack   uint32
	Window     uint32
	Len        int
	MSS        uint16 // MSS option; 0 = none
}

// Ports are the two ends' TCP ports.
type Ports struct {
	Client, Server uint16
}

// FromTrace returns the packets of a traced run and its ports.
func FromTrace(t *sim.Trace) ([]Packet, Ports) {
	pk := make([]Packet, len(t.Run.Segments))
	for i, s := range t.Run.Segments {
		pk[i] = Packet{At: s.At, FromClient: s.From == results.Client, Flags: s.Flags, Seq: s.Seq, Ack: s.Ack, Len: s.Len}
		if i < len(t.Windows) {
			pk[i].Window, pk[i].MSS = t.Windows[i], t.MSS[i]
		}
	}
	return pk, Ports{Client: t.Ports[results.Client], Server: t.Ports[results.Server]}
}

// Write writes pkts as a pcap file to w.
func Write(w io.Writer, pkts []Packet, ports Ports) error {
	pw := pcapgo.NewWriterNanos(w)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return fmt.Errorf("pcap header: %w", err)
	}
	var ipID [2]uint16
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	payload := make([]byte, 0, 1<<16)
	for i := range pkts {
		p := &pkts[i]
		side := 1
		eth := &layers.Ethernet{SrcMAC: ServerMAC, DstMAC: ClientMAC, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Flags: layers.IPv4DontFragment, Protocol: layers.IPProtocolTCP, SrcIP: ServerIP, DstIP: ClientIP}
		th := &layers.TCP{SrcPort: layers.TCPPort(ports.Server), DstPort: layers.TCPPort(ports.Client)}
		if p.FromClient {
			side = 0
			eth.SrcMAC, eth.DstMAC = ClientMAC, ServerMAC
			ip.SrcIP, ip.DstIP = ClientIP, ServerIP
			th.SrcPort, th.DstPort = layers.TCPPort(ports.Client), layers.TCPPort(ports.Server)
		}
		ip.Id = ipID[side]
		ipID[side]++
		th.Seq, th.Ack = p.Seq, p.Ack
		th.FIN, th.SYN, th.RST, th.PSH, th.ACK = p.Flags&tcp.FIN != 0, p.Flags&tcp.SYN != 0, p.Flags&tcp.RST != 0, p.Flags&tcp.PSH != 0, p.Flags&tcp.ACK != 0
		// Without window scaling the field holds at most 65535.
		th.Window = uint16(min(p.Window, 65535))
		if p.MSS != 0 {
			th.Options = []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{byte(p.MSS >> 8), byte(p.MSS)}}}
		}
		if err := th.SetNetworkLayerForChecksum(ip); err != nil {
			return fmt.Errorf("pcap: %w", err)
		}
		if cap(payload) < p.Len {
			payload = make([]byte, p.Len)
		}
		if err := gopacket.SerializeLayers(buf, opts, eth, ip, th, gopacket.Payload(payload[:p.Len])); err != nil {
			return fmt.Errorf("pcap: segment %d: %w", i, err)
		}
		data := buf.Bytes()
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, int64(p.At)).UTC(), CaptureLength: len(data), Length: len(data)}
		if err := pw.WritePacket(ci, data); err != nil {
			return fmt.Errorf("pcap: segment %d: %w", i, err)
		}
	}
	return nil
}
