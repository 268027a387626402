package kernel

import (
	"encoding/binary"

	"github.com/emu-sim/emu/tcp"
)

// tcpHeader is what the relay reads of a packet: enough to tell the run it
// belongs to and to build its results.Segment.
type tcpHeader struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            tcp.Flags
	Len              int // payload bytes
}

// parseTCP reads an IPv4 packet carrying TCP; ok is false for anything
// else (IPv6 router solicitations and the like, which the relay forwards
// but does not record).
func parseTCP(b []byte) (h tcpHeader, ok bool) {
	if len(b) < 20 || b[0]>>4 != 4 || b[9] != 6 {
		return h, false
	}
	ihl := int(b[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(b[2:4]))
	if ihl < 20 || total > len(b) || total < ihl+20 {
		return h, false
	}
	t := b[ihl:total]
	off := int(t[12]>>4) * 4
	if off < 20 || off > len(t) {
		return h, false
	}
	h.SrcPort = binary.BigEndian.Uint16(t[0:2])
	h.DstPort = binary.BigEndian.Uint16(t[2:4])
	h.Seq = binary.BigEndian.Uint32(t[4:8])
	h.Ack = binary.BigEndian.Uint32(t[8:12])
	// emu's flag bits are the wire's (FIN 0x01 ... ACK 0x10).
	h.Flags = tcp.Flags(t[13] & 0x1f)
	h.Len = len(t) - off
	return h, true
}

// parseIPv4 returns the four bytes of a dotted IPv4 address (one of this
// package's constants).
func parseIPv4(s string) []byte {
	var b [4]byte
	i := 0
	for _, c := range []byte(s) {
		if c == '.' {
			i++
			continue
		}
		b[i] = b[i]*10 + (c - '0')
	}
	return b[:]
}
