package kernel

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/results/capture"
)

// writePcap writes the packets of a run as the relay read them, forwarded
// or dropped (raw IPv4, time 0 at the Unix epoch plus the run's offset, as
// emu trace does), whole or not at all.
func writePcap(path string, pk []captured, start int64) error {
	return results.WriteFileAtomic(path, func(w io.Writer) error {
		return writePackets(w, pk, start)
	})
}

func writePackets(w io.Writer, pk []captured, start int64) error {
	pw := pcapgo.NewWriterNanos(w)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeRaw); err != nil {
		return fmt.Errorf("pcap header: %w", err)
	}
	for _, p := range pk {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, p.at-start).UTC(), CaptureLength: len(p.data), Length: len(p.data)}
		if err := pw.WritePacket(ci, p.data); err != nil {
			return fmt.Errorf("pcap: %w", err)
		}
	}
	return nil
}

// markerPort is the port of the packet that marks the end of a run's
// capture for the reader; no run uses it.
const markerPort = 1

// marker returns a bare TCP ACK between the two sides on markerPort: the
// reader's clock moves with every TCP packet, so this one, read at the
// run's end, tells it how long the capture went on after the run's last
// segment (a side that retransmitted and then fell silent gave up).
func marker() []byte {
	b := make([]byte, 40)
	b[0], b[8], b[9] = 0x45, 64, 6
	binary.BigEndian.PutUint16(b[2:], 40)
	copy(b[12:16], parseIPv4(ServerAddr))
	copy(b[16:20], parseIPv4(ClientAddr))
	binary.BigEndian.PutUint16(b[20:], markerPort)
	binary.BigEndian.PutUint16(b[22:], markerPort)
	b[32], b[33] = 5<<4, 0x10
	return b
}

// classifyCapture reads a run's capture with emu classify's reader
// (results/capture), exactly as `emu classify --port PORT` reads the pcap,
// the capture going on to end (monotonic ns). It returns one Connection per
// TCP connection of the run, in the order of their first packets.
func classifyCapture(pk []captured, start, end int64, port uint16) ([]capture.Connection, error) {
	var buf bytes.Buffer
	all := append(slices.Clip(pk), captured{at: max(end, start), data: marker()})
	if err := writePackets(&buf, all, start); err != nil {
		return nil, err
	}
	var conns []capture.Connection
	_, err := capture.Read("relay", &buf, capture.Options{Port: port}, func(c *capture.Connection) error {
		cc := *c
		// The reader reuses a connection's memory once emit returns.
		cc.Run.Segments = slices.Clone(c.Run.Segments)
		conns = append(conns, cc)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("classifying the relay's capture: %w", err)
	}
	// The reader hands connections over as they end; the first to start
	// is the run's first connection.
	slices.SortStableFunc(conns, func(a, b capture.Connection) int {
		return cmp.Compare(firstAt(&a), firstAt(&b))
	})
	return conns, nil
}

// firstAt is when a connection's first recorded segment was captured.
func firstAt(c *capture.Connection) time.Duration {
	if len(c.Run.Segments) == 0 {
		return 0
	}
	return c.Run.Segments[0].At.Duration()
}
