package capture

import (
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/emu-sim/emu/tcp"
)

// packet is the part of one captured TCP segment that connection tracking
// needs. Addresses are 16 bytes (IPv4 in the first four) so that packets
// and connection keys are plain values.
type packet struct {
	at           int64 // capture time, ns since the Unix epoch
	src, dst     [16]byte
	v6           bool
	sport, dport uint16
	flags        tcp.Flags
	seq, ack     uint32
	window       uint16
	len          int    // payload bytes, from the IP header's lengths (not the snapped frame)
	ipID         uint16 // IPv4 identification; 0 for IPv6
}

// decodeResult says what a frame turned out to be.
type decodeResult uint8

const (
	decodedTCP decodeResult = iota // a TCP segment: the packet is filled in
	notTCP                         // not IP, not TCP, or a later IPv4 fragment
	cutTCP                         // TCP over IP, but the TCP header is cut short (snap length) or malformed
)

// decoder decodes frames of any supported link type into packets, reusing
// its layers for every frame (gopacket's DecodingLayerParser), so decoding
// allocates nothing per packet.
type decoder struct {
	eth   layers.Ethernet
	dot1q layers.Dot1Q
	sll   layers.LinuxSLL
	sll2  layers.LinuxSLL2
	loop  layers.Loopback
	ip4   layers.IPv4
	ip6   layers.IPv6
	tcp   layers.TCP

	parsers map[gopacket.LayerType]*gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
}

func newDecoder() *decoder {
	d := &decoder{parsers: make(map[gopacket.LayerType]*gopacket.DecodingLayerParser), decoded: make([]gopacket.LayerType, 0, 8)}
	for _, first := range []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeLinuxSLL, layers.LayerTypeLinuxSLL2,
		layers.LayerTypeLoopback, layers.LayerTypeIPv4, layers.LayerTypeIPv6} {
		p := gopacket.NewDecodingLayerParser(first, &d.eth, &d.dot1q, &d.sll, &d.sll2, &d.loop, &d.ip4, &d.ip6, &d.tcp)
		p.IgnoreUnsupported = true // UDP, ARP, TCP payload: stop there, not an error
		d.parsers[first] = p
	}
	return d
}

// supported reports whether frames of link type lt can be decoded.
func supported(lt layers.LinkType) bool {
	switch lt {
	case layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2,
		layers.LinkTypeNull, layers.LinkTypeLoop, layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
		return true
	}
	return false
}

// firstLayer returns the layer a frame of link type lt starts with; raw IP
// frames say their version in their first nibble.
func firstLayer(lt layers.LinkType, data []byte) gopacket.LayerType {
	switch lt {
	case layers.LinkTypeEthernet:
		return layers.LayerTypeEthernet
	case layers.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL
	case layers.LinkTypeLinuxSLL2:
		return layers.LayerTypeLinuxSLL2
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return layers.LayerTypeLoopback
	case layers.LinkTypeIPv4:
		return layers.LayerTypeIPv4
	case layers.LinkTypeIPv6:
		return layers.LayerTypeIPv6
	}
	if len(data) > 0 && data[0]>>4 == 6 {
		return layers.LayerTypeIPv6
	}
	return layers.LayerTypeIPv4
}

// decode fills p from one frame of link type lt.
func (d *decoder) decode(lt layers.LinkType, data []byte, p *packet) decodeResult {
	parser := d.parsers[firstLayer(lt, data)]
	err := parser.DecodeLayers(data, &d.decoded)
	var ipv4, ipv6, haveTCP bool
	for _, t := range d.decoded {
		switch t {
		case layers.LayerTypeIPv4:
			ipv4 = true
		case layers.LayerTypeIPv6:
			ipv6 = true
		case layers.LayerTypeTCP:
			haveTCP = true
		}
	}
	if !haveTCP || err != nil {
		if ipv4 && d.ip4.Protocol == layers.IPProtocolTCP && d.ip4.FragOffset == 0 ||
			ipv6 && d.ip6.NextHeader == layers.IPProtocolTCP {
			return cutTCP
		}
		return notTCP
	}
	th := &d.tcp
	hdr := int(th.DataOffset) * 4
	*p = packet{sport: uint16(th.SrcPort), dport: uint16(th.DstPort), seq: th.Seq, ack: th.Ack, window: th.Window}
	if ipv4 {
		if d.ip4.FragOffset != 0 {
			return notTCP
		}
		copy(p.src[:4], d.ip4.SrcIP.To4())
		copy(p.dst[:4], d.ip4.DstIP.To4())
		p.ipID = d.ip4.Id
		// gopacket puts the snapped length in a 0 length field (left for
		// the NIC by segmentation offload on the sending host).
		p.len = int(d.ip4.Length) - int(d.ip4.IHL)*4 - hdr
	} else {
		p.v6 = true
		copy(p.src[:], d.ip6.SrcIP.To16())
		copy(p.dst[:], d.ip6.DstIP.To16())
		p.len = int(d.ip6.Length) - hdr
	}
	if p.len < 0 {
		p.len = 0
	}
	if th.FIN {
		p.flags |= tcp.FIN
	}
	if th.SYN {
		p.flags |= tcp.SYN
	}
	if th.RST {
		p.flags |= tcp.RST
	}
	if th.PSH {
		p.flags |= tcp.PSH
	}
	if th.ACK {
		p.flags |= tcp.ACK
	}
	return decodedTCP
}
