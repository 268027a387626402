package pcap

import (
	"fmt"
	"sort"

	"github.com/gopacket/gopacket/layers"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// header is one packet's three headers, ready to serialise.
type header struct {
	eth *layers.Ethernet
	ip  *layers.IPv4
	tcp *layers.TCP
}

// conn is what the two kernels of one connection know of its options: what
// each SYN offered, what each side has agreed to, and the timestamp each
// side would echo (ts_recent).
type conn struct {
	isn      [2]uint32
	offer    [2]features
	agreed   [2]bool // the side has seen both SYNs
	neg      features
	tsRecent [2]uint32
}

// event is a packet leaving its sender or reaching its receiver.
type event struct {
	at     engine.Time
	rank   int // arrivals strictly after their sending first, then sends and same-time arrivals
	i, sub int // packet, and 0 send / 1 arrival for a packet whose delay was zero
}

// headers builds every packet's headers. Options and scaled windows depend
// on what each side had seen when it sent, so the packets are walked in the
// order things happened: sends and arrivals by time.
func headers(pkts []Packet, opt Options) ([]header, error) {
	evs := make([]event, 0, 2*len(pkts))
	for i := range pkts {
		p := &pkts[i]
		if p.At < 0 {
			return nil, fmt.Errorf("pcap: packet %d: negative time %d", i, p.At)
		}
		arrived := p.Arrived
		if !p.Lost() && arrived < p.At {
			if !opt.SendTimes {
				return nil, fmt.Errorf("pcap: packet %d: arrives at %d, before it was sent at %d", i, p.Arrived, p.At)
			}
			// Stamped at send times only (packets made by hand may
			// leave Arrived unset): the peer learns of it at once.
			arrived = p.At
		}
		evs = append(evs, event{at: p.At, rank: 1, i: i})
		switch {
		case p.Lost():
		case arrived == p.At:
			evs = append(evs, event{at: p.At, rank: 1, i: i, sub: 1})
		default:
			evs = append(evs, event{at: arrived, rank: 0, i: i})
		}
	}
	sort.Slice(evs, func(a, b int) bool {
		x, y := evs[a], evs[b]
		if x.at != y.at {
			return x.at < y.at
		}
		if x.rank != y.rank {
			return x.rank < y.rank
		}
		if x.i != y.i {
			return x.i < y.i
		}
		return x.sub < y.sub
	})
	hdrs := make([]header, len(pkts))
	tsvals := make([]uint32, len(pkts))
	hasTS := make([]bool, len(pkts))
	conns := map[uint16]*conn{}
	var ipID [2]uint16
	for _, ev := range evs {
		p := &pkts[ev.i]
		side := results.Server
		if p.FromClient {
			side = results.Client
		}
		ports := p.Ports
		if ports == (Endpoints{}) {
			ports = opt.Endpoints
		}
		c := conns[ports.ClientPort]
		if ev.rank == 0 || ev.sub == 1 {
			// An arrival: the receiver learns the peer's options and
			// timestamp.
			if c == nil {
				continue
			}
			if hasTS[ev.i] {
				c.tsRecent[side.Peer()] = tsvals[ev.i]
			}
			if p.hasFlag(tcp.SYN) && p.hasFlag(tcp.ACK) && side == results.Server {
				c.agreed[results.Client] = true
			}
			continue
		}
		if p.hasFlag(tcp.SYN) && !p.hasFlag(tcp.ACK) && side == results.Client && (c == nil || c.isn[results.Client] != p.Seq) {
			c = &conn{isn: [2]uint32{p.Seq}, offer: [2]features{kernelOf(opt.Profiles[results.Client]).offer}}
			conns[ports.ClientPort] = c
		}
		var topts []layers.TCPOption
		window := min(p.Window, 65535)
		switch {
		case c != nil && p.hasFlag(tcp.SYN) && side == results.Client:
			k := kernelOf(opt.Profiles[side])
			c.offer[side] = sent(p, k.offer)
			tsvals[ev.i], hasTS[ev.i] = tsVal(c.isn[side], p.At), c.offer[side].ts
			ecr := uint32(0)
			if p.Sent {
				tsvals[ev.i], ecr = p.TSVal, p.TSEcr
			}
			topts = k.layout(p.MSS, c.offer[side], tsvals[ev.i], ecr)
		case c != nil && p.hasFlag(tcp.SYN):
			// A SYN-ACK offers only what the SYN offered.
			k := kernelOf(opt.Profiles[side])
			c.isn[side] = p.Seq
			c.offer[side] = sent(p, both(k.offer, c.offer[results.Client]))
			c.neg = c.offer[side]
			c.neg.wscale = -1
			if c.offer[side].wscale >= 0 {
				c.neg.wscale = 0
			}
			c.agreed[side] = true
			tsvals[ev.i], hasTS[ev.i] = tsVal(c.isn[side], p.At), c.offer[side].ts
			ecr := c.tsRecent[side]
			if p.Sent {
				tsvals[ev.i], ecr = p.TSVal, p.TSEcr
			}
			topts = k.layout(p.MSS, c.offer[side], tsvals[ev.i], ecr)
		case c != nil && c.agreed[side]:
			switch {
			case p.Sent && p.TS:
				tsvals[ev.i], hasTS[ev.i] = p.TSVal, true
				topts = []layers.TCPOption{nop, nop, tsOption(p.TSVal, p.TSEcr)}
			case !p.Sent && c.neg.ts:
				tsvals[ev.i], hasTS[ev.i] = tsVal(c.isn[side], p.At), true
				topts = []layers.TCPOption{nop, nop, tsOption(tsvals[ev.i], c.tsRecent[side])}
			}
			if c.neg.wscale >= 0 {
				// RFC 7323 2.3: the field is the window shifted by
				// the scale the sender announced in its own SYN.
				window = min(p.Window>>uint(c.offer[side].wscale), 65535)
			}
		default:
			if p.MSS != 0 {
				topts = []layers.TCPOption{mssOption(p.MSS)}
			}
			if p.Sent && p.TS {
				// A segment of a connection whose SYNs the capture
				// lacks still shows the timestamps it carried.
				tsvals[ev.i], hasTS[ev.i] = p.TSVal, true
				topts = append(topts, nop, nop, tsOption(p.TSVal, p.TSEcr))
			}
		}
		olen := (optionsLen(topts) + 3) &^ 3
		if limit := maxPayload - olen; p.Len < 0 || p.Len > limit {
			return nil, fmt.Errorf("pcap: packet %d: payload of %d bytes does not fit in an IPv4 packet (0 to %d)", ev.i, p.Len, limit)
		}
		eth := &layers.Ethernet{SrcMAC: ServerMAC, DstMAC: ClientMAC, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Flags: layers.IPv4DontFragment, Protocol: layers.IPProtocolTCP, SrcIP: ServerIP, DstIP: ClientIP}
		th := &layers.TCP{SrcPort: layers.TCPPort(ports.ServerPort), DstPort: layers.TCPPort(ports.ClientPort), Options: topts}
		if p.FromClient {
			eth.SrcMAC, eth.DstMAC = ClientMAC, ServerMAC
			ip.SrcIP, ip.DstIP = ClientIP, ServerIP
			th.SrcPort, th.DstPort = layers.TCPPort(ports.ClientPort), layers.TCPPort(ports.ServerPort)
		}
		ip.Id = ipID[side]
		ipID[side]++
		th.Seq, th.Ack = p.Seq, p.Ack
		th.FIN, th.SYN, th.RST = p.hasFlag(tcp.FIN), p.hasFlag(tcp.SYN), p.hasFlag(tcp.RST)
		th.PSH, th.ACK = p.hasFlag(tcp.PSH), p.hasFlag(tcp.ACK)
		th.Window = uint16(window)
		hdrs[ev.i] = header{eth, ip, th}
	}
	return hdrs, nil
}

// sent returns the features of a SYN: with the endpoint's own options
// (p.Sent), its timestamps and SACK permitted are those it sent and only
// the window scale, which emu does not model, comes from the kernel's
// offer f; otherwise f as it is.
func sent(p *Packet, f features) features {
	if p.Sent {
		f.ts, f.sack = p.TS, p.SACKOK
	}
	return f
}
