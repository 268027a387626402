package tcp

import "strings"

// Flags are the TCP header flags emu models. The bit values are those of the
// TCP header, so a pcap writer can copy them as they are.
type Flags uint8

// TCP header flags.
const (
	FIN Flags = 1 << 0
	SYN Flags = 1 << 1
	RST Flags = 1 << 2
	PSH Flags = 1 << 3
	ACK Flags = 1 << 4
)

// Has reports whether all flags in g are set in f.
func (f Flags) Has(g Flags) bool { return f&g == g }

// String writes the flags the way Wireshark lists them, e.g. "FIN,ACK".
func (f Flags) String() string {
	if f == 0 {
		return "none"
	}
	var b strings.Builder
	for _, x := range []struct {
		f Flags
		n string
	}{{SYN, "SYN"}, {FIN, "FIN"}, {RST, "RST"}, {PSH, "PSH"}, {ACK, "ACK"}} {
		if f&x.f != 0 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(x.n)
		}
	}
	return b.String()
}

// Header sizes used for a segment's size on the wire (IPv4, no IP options).
const (
	IPHeaderLen  = 20
	TCPHeaderLen = 20
	MSSOptionLen = 4
	// TSOptionLen is the timestamps option as Linux aligns it: two NOPs
	// and ten bytes (TCPOLEN_TSTAMP_ALIGNED). On a SYN, SACK-permitted
	// takes the place of the NOPs.
	TSOptionLen = 12
)

// Segment is one TCP segment. The payload is a byte count: teardown behaviour
// depends on how much data there is, not on what it says.
type Segment struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            Flags
	Window           uint32 // receive window in bytes (unscaled)
	Len              int    // payload bytes
	MSS              uint16 // MSS option on SYN segments; 0 = absent
	// TS says the segment carries the timestamps option (RFC 7323), with
	// TSVal and TSEcr.
	TS           bool
	TSVal, TSEcr uint32
	// SACKOK is the SACK-permitted option of a SYN (RFC 2018); SACK blocks
	// themselves are not modelled.
	SACKOK bool
}

// WireSize is the segment's size as an IPv4 packet.
func (s *Segment) WireSize() int {
	n := IPHeaderLen + TCPHeaderLen + s.Len
	if s.MSS != 0 {
		n += MSSOptionLen
	}
	if s.TS {
		n += TSOptionLen
	}
	return n
}

// SeqLen is the sequence space the segment occupies: its payload plus one for
// SYN and one for FIN.
func (s *Segment) SeqLen() uint32 {
	n := uint32(s.Len)
	if s.Flags&SYN != 0 {
		n++
	}
	if s.Flags&FIN != 0 {
		n++
	}
	return n
}
