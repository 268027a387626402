package kernel

import (
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/emu-sim/emu/results"
)

// writePcap writes the packets of a run as the relay read them (raw IPv4,
// time 0 at the Unix epoch plus the run's offset, as emu trace does), whole
// or not at all.
func writePcap(path string, pk []captured, start int64) error {
	return results.WriteFileAtomic(path, func(w io.Writer) error {
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
	})
}
