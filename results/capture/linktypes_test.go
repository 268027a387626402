package capture

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// relink rewrites an Ethernet pcap with another link type: each frame's
// 14-byte Ethernet header replaced by head(frame's EtherType).
func relink(t *testing.T, in []byte, lt layers.LinkType, head func(etherType uint16) []byte) []byte {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := pcapgo.NewWriterNanos(&out)
	if err := w.WriteFileHeader(65535, lt); err != nil {
		t.Fatal(err)
	}
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		frame := append(head(binary.BigEndian.Uint16(data[12:14])), data[14:]...)
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ci.Timestamp, CaptureLength: len(frame), Length: len(frame)}, frame); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

// TestLinkTypes: the Ethernet captures three-way.pcap and ipv6.pcap,
// rewritten as raw IP (LINKTYPE_RAW, LINKTYPE_IPV4/IPV6) and as BSD
// loopback (LINKTYPE_NULL with the family in host order, LINKTYPE_LOOP
// in network order), classify exactly as the originals.
func TestLinkTypes(t *testing.T) {
	none := func(uint16) []byte { return nil }
	// family returns the loopback header: AF_INET 2, or AF_INET6 as BSD
	// (24), FreeBSD (28) or macOS (30) number it.
	family := func(v6 uint32, order binary.AppendByteOrder) func(uint16) []byte {
		return func(et uint16) []byte {
			f := uint32(2)
			if et == 0x86dd {
				f = v6
			}
			return order.AppendUint32(nil, f)
		}
	}
	for _, file := range []string{"three-way.pcap", "ipv6.pcap"} {
		orig := readCapture(t, file)
		want, _ := collect(t, filepath.Join("..", "..", "testdata", "captures", file))
		ipLT := layers.LinkTypeIPv4
		if file == "ipv6.pcap" {
			ipLT = layers.LinkTypeIPv6
		}
		cases := []struct {
			name string
			lt   layers.LinkType
			head func(uint16) []byte
		}{
			{"raw", layers.LinkTypeRaw, none},
			{"ipv4 or ipv6", ipLT, none},
			{"null, BSD", layers.LinkTypeNull, family(24, binary.LittleEndian)},
			{"null, FreeBSD", layers.LinkTypeNull, family(28, binary.LittleEndian)},
			{"loop, macOS", layers.LinkTypeLoop, family(30, binary.BigEndian)},
		}
		for _, c := range cases {
			data := relink(t, orig, c.lt, c.head)
			var rows [][]string
			st, err := Read(file, bytes.NewReader(data), Options{}, func(cn *Connection) error {
				rows = append(rows, ConnectionRecord(cn)[1:])
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(rows, want, slices.Equal) || st.TCP != st.Packets || st.Packets == 0 {
				t.Errorf("%s as %s: %d of %d packets TCP, rows\n%s\nwant\n%s", file, c.name, st.TCP, st.Packets, join(rows), join(want))
			}
		}
	}
}
