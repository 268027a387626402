package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readCapture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "captures", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pcapRecords returns the offset of every record of a little-endian pcap
// file, read with its own minimal parser (24-byte file header, 16-byte
// record headers with the captured length at bytes 8–11).
func pcapRecords(b []byte) []int {
	var offs []int
	for off := 24; off+16 <= len(b); {
		offs = append(offs, off)
		off += 16 + int(binary.LittleEndian.Uint32(b[off+8:]))
	}
	return offs
}

func TestBadInput(t *testing.T) {
	three := readCapture(t, "three-way.pcap") // 8 records
	recs := pcapRecords(three)
	if len(recs) != 8 {
		t.Fatalf("three-way.pcap has %d records, want 8", len(recs))
	}
	ng := readCapture(t, "two-interfaces.pcapng")
	// A block of a type no reader knows (0x0bad0001), 16 bytes: type,
	// length, 4 bytes of body, length; put after the section header and
	// the two interface descriptions (180 + 68 + 76 bytes).
	unknown := binary.LittleEndian.AppendUint32(nil, 0x0bad0001)
	unknown = binary.LittleEndian.AppendUint32(unknown, 16)
	unknown = append(unknown, 1, 2, 3, 4)
	unknown = binary.LittleEndian.AppendUint32(unknown, 16)
	const afterIDBs = 180 + 68 + 76
	withUnknown := append(append(append([]byte{}, ng[:afterIDBs]...), unknown...), ng[afterIDBs:]...)

	cases := []struct {
		name      string
		data      []byte
		notCap    string // substring of a NotCaptureError; "" when the file is a capture
		packets   int64
		damagedAt int64 // -1: not damaged
		conns     int64
		cut       int64
	}{
		{"empty", nil, "the file is empty", 0, -1, 0, 0},
		{"garbage", []byte("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), "47 45 54 20, neither pcap nor pcapng", 0, -1, 0, 0},
		{"three bytes", []byte{0xd4, 0xc3, 0xb2}, "only 3 bytes", 0, -1, 0, 0},
		{"pcap header cut", three[:20], "pcap file header", 0, -1, 0, 0},
		{"pcapng header cut", ng[:10], "pcapng section header", 0, -1, 0, 0},
		// Cut 10 bytes into the sixth record's data: five records are read,
		// the damage starts at the sixth record's header.
		{"truncated in a record", three[:recs[5]+16+10], "", 5, int64(recs[5]), 1, 0},
		// Cut inside the sixth record's header.
		{"truncated in a header", three[:recs[5]+7], "", 5, int64(recs[5]), 1, 0},
		// Cut right after the sixth record's header: no data at all.
		{"truncated after a header", three[:recs[5]+16], "", 5, int64(recs[5]), 1, 0},
		// A whole number of records is a clean (shorter) file.
		{"cut between records", three[:recs[5]], "", 5, -1, 1, 0},
		{"header only", three[:24], "", 0, -1, 0, 0},
		{"snap length 40", readCapture(t, "snap40.pcap"), "", 8, -1, 0, 8},
		// An unknown block is skipped: both connections, all 34 frames.
		{"pcapng unknown block", withUnknown, "", 34, -1, 2, 0},
		// pcapng cut inside the ninth packet block (blocks at 324, 432, 540,
		// 640, 840, 940, 1040, 1148, 1256): eight packets, one connection.
		{"pcapng truncated", ng[:1256+50], "", 8, 1256, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := Read(c.name, bytes.NewReader(c.data), Options{}, func(*Connection) error { return nil })
			var nc *NotCaptureError
			if c.notCap != "" {
				if !errors.As(err, &nc) || !strings.Contains(err.Error(), c.notCap) || !strings.HasPrefix(err.Error(), c.name+": not a capture: ") {
					t.Fatalf("error %v, want a NotCaptureError with %q", err, c.notCap)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.Packets != c.packets || st.Connections != c.conns || st.Cut != c.cut {
				t.Errorf("%d packets, %d connections, %d cut; want %d, %d, %d", st.Packets, st.Connections, st.Cut, c.packets, c.conns, c.cut)
			}
			if c.damagedAt < 0 {
				if st.Damaged {
					t.Errorf("damaged at %d (%v), want a clean end", st.DamageOffset, st.DamageErr)
				}
				return
			}
			if !st.Damaged || st.DamageOffset != c.damagedAt {
				t.Errorf("damaged %v at %d, want damage at %d", st.Damaged, st.DamageOffset, c.damagedAt)
			}
			w := st.Warnings(c.name)
			if len(w) == 0 || !strings.Contains(w[0], "at byte ") {
				t.Errorf("warnings %q: want one naming the byte offset", w)
			}
		})
	}
}
