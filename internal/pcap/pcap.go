// Package pcap writes a run's segments as a capture that Wireshark and
// tshark open as they would one taken on a real host: Ethernet, IPv4 and
// TCP headers with valid checksums, the SYN options of the profile's kernel,
// zero-filled payloads of the segments' lengths, and each frame stamped
// when it passed the capturing host, counted from Epoch.
//
// A capture is taken at one host (Options.At): a frame that host sent is
// stamped with its send time, a frame it received with its arrival time,
// and a frame lost on the way to it is absent, as a capture on that host
// would show. The round-trip times Wireshark measures are then the link's.
//
// The encoding is gopacket's (github.com/gopacket/gopacket, the maintained
// fork of google/gopacket): its layers serialise and checksum the headers
// and its pcapgo writers write pcap and pcapng, both in pure Go (no libpcap,
// no cgo). Only the layers and pcapgo subpackages are used.
package pcap

import (
	"fmt"
	"io"
	"net"
	"sort"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/emu-sim/emu/engine"
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

// Epoch is the wall-clock time a capture gives virtual time 0: every run
// starts at 2000-01-01 00:00:00 UTC, so a frame's time of day is the run's
// virtual time and captures of different runs line up.
var Epoch = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// DefaultWindow is the window written for segments whose window is not
// known (FromSegments): the largest value an unscaled window can hold.
const DefaultWindow = 65535

// SnapLen is the snapshot length in the file header. Frames are never
// truncated: it is libpcap's default, larger than any IPv4 frame.
const SnapLen = 262144

// maxPayload is the largest payload an IPv4 packet of a TCP segment without
// options can hold (the total length is a 16-bit field).
const maxPayload = 65535 - tcp.IPHeaderLen - tcp.TCPHeaderLen

// Packet is one segment as it crossed the link: what a capture shows of it.
// It is its own type, rather than results.Segment, because a capture needs
// header fields (ports, window, MSS option) that classification does not.
type Packet struct {
	At         engine.Time // when its sender transmitted it
	Arrived    engine.Time // when it reached the peer; engine.Never if it was lost
	FromClient bool        // sent by the client (10.0.0.1), else by the server
	Flags      tcp.Flags
	Seq, Ack   uint32 // absolute, as on the wire
	Window     uint32 // receive window in bytes, written scaled when the SYNs negotiated window scaling
	Len        int    // payload bytes, written as zeros
	MSS        uint16 // MSS option value on a SYN; 0 = no option
	Ports      Endpoints
	// Sent says that TS, TSVal, TSEcr and SACKOK are the options the
	// endpoint really sent (packets of a trace). Without it, Write gives
	// the packet the timestamps and SACK permitted its kernel would have
	// (Options.Profiles), with timestamp values of its own.
	Sent         bool
	TS           bool // the timestamps option, with TSVal and TSEcr
	TSVal, TSEcr uint32
	SACKOK       bool // SACK permitted (SYNs)
}

// Lost reports whether the packet never reached the peer.
func (p *Packet) Lost() bool { return p.Arrived == engine.Never }

// Endpoints are the two ends' TCP ports. The addresses are fixed (ClientIP,
// ServerIP); the ports come from the run, where ephemeral ports vary.
type Endpoints struct {
	ClientPort, ServerPort uint16
}

// Format is a capture file format.
type Format uint8

// Capture formats. Pcapng marks lost frames with a comment.
const (
	FormatPcap   Format = iota // classic pcap, nanosecond timestamps
	FormatPcapng               // pcapng, one interface, nanosecond timestamps
)

// Options say how Write lays out a capture beyond the packets themselves.
type Options struct {
	Endpoints // ports of packets whose own Ports are zero
	// At is the host the capture is taken at (results.Client or
	// results.Server).
	At results.Side
	// SendTimes stamps every frame with its send time instead, lost ones
	// included: the two senders' taps merged on one clock, no single
	// host's view. Classifying such a capture sees each segment when it
	// was sent, as the simulation's own record does.
	SendTimes bool
	Format    Format
	// Profiles are the built-in profiles ("linux", "freebsd", ...) of the
	// client's and the server's kernel: they decide the SYN options
	// (window scale, SACK permitted, timestamps) and, when the SYNs
	// negotiated timestamps, the timestamps on every later segment. Any
	// other name, "" included, gives the MSS option only.
	Profiles [2]string
}

// frame is one packet as the capture shows it.
type frame struct {
	at      engine.Time
	i       int
	comment string
}

// Write writes pkts, given in order of transmission, as a capture seen at
// opt.At (see the package comment) to w: IPv4 (TTL 64, DF, an IP ID
// counting up from 0 per sender) and TCP headers with valid checksums. A
// packet with a negative time, an arrival before its sending, or a payload
// that cannot fit in one IPv4 packet is an error naming it, and nothing
// after the file header is written.
func Write(w io.Writer, pkts []Packet, opt Options) error {
	hdrs, err := headers(pkts, opt)
	if err != nil {
		return err
	}
	frames := make([]frame, 0, len(pkts))
	for i := range pkts {
		p := &pkts[i]
		switch {
		case opt.SendTimes:
			frames = append(frames, frame{at: p.At, i: i})
		case p.FromClient == (opt.At == results.Client):
			f := frame{at: p.At, i: i}
			if p.Lost() && opt.Format == FormatPcapng {
				f.comment = "lost on the link: never reached the " + opt.At.Peer().String()
			}
			frames = append(frames, f)
		case !p.Lost():
			frames = append(frames, frame{at: p.Arrived, i: i})
		}
	}
	sortFrames(frames)
	out, err := newWriter(w, opt)
	if err != nil {
		return err
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	var payload []byte
	for _, f := range frames {
		h, p := &hdrs[f.i], &pkts[f.i]
		if err := h.tcp.SetNetworkLayerForChecksum(h.ip); err != nil {
			return fmt.Errorf("pcap: packet %d: %w", f.i, err)
		}
		if cap(payload) < p.Len {
			payload = make([]byte, p.Len)
		}
		if err := gopacket.SerializeLayers(buf, opts, h.eth, h.ip, h.tcp, gopacket.Payload(payload[:p.Len])); err != nil {
			return fmt.Errorf("pcap: packet %d: %w", f.i, err)
		}
		data := buf.Bytes()
		ci := gopacket.CaptureInfo{Timestamp: Epoch.Add(time.Duration(f.at)), CaptureLength: len(data), Length: len(data)}
		if err := out.write(ci, data, f.comment); err != nil {
			return fmt.Errorf("pcap: packet %d: %w", f.i, err)
		}
	}
	return out.flush()
}

// sortFrames orders frames by time, keeping the order of transmission
// among frames of the same time.
func sortFrames(f []frame) {
	sort.SliceStable(f, func(a, b int) bool { return f[a].at < f[b].at })
}

// writer writes frames as pcap or pcapng.
type writer struct {
	pcap *pcapgo.Writer
	ng   *pcapgo.NgWriter
}

func newWriter(w io.Writer, opt Options) (*writer, error) {
	if opt.Format == FormatPcapng {
		// Fixed section and interface information: gopacket's defaults
		// name the machine's OS and architecture, which would make the
		// file depend on where emu ran.
		intf := pcapgo.NgInterface{Name: "emu-" + opt.At.String(), LinkType: layers.LinkTypeEthernet, SnapLength: SnapLen,
			Description: fmt.Sprintf("emu's %s host, %v", opt.At, sideIP(opt.At)), TimestampResolution: 9}
		ng, err := pcapgo.NewNgWriterInterface(w, intf, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "emu"}})
		if err != nil {
			return nil, fmt.Errorf("pcap: pcapng header: %w", err)
		}
		return &writer{ng: ng}, nil
	}
	pw := pcapgo.NewWriterNanos(w)
	if err := pw.WriteFileHeader(SnapLen, layers.LinkTypeEthernet); err != nil {
		return nil, fmt.Errorf("pcap: file header: %w", err)
	}
	return &writer{pcap: pw}, nil
}

func (w *writer) write(ci gopacket.CaptureInfo, data []byte, comment string) error {
	if w.ng == nil {
		return w.pcap.WritePacket(ci, data)
	}
	var o pcapgo.NgPacketOptions
	if comment != "" {
		o.Comments = []string{comment}
	}
	return w.ng.WritePacketWithOptions(ci, data, o)
}

func (w *writer) flush() error {
	if w.ng != nil {
		if err := w.ng.Flush(); err != nil {
			return fmt.Errorf("pcap: %w", err)
		}
	}
	return nil
}

func sideIP(s results.Side) net.IP {
	if s == results.Server {
		return ServerIP
	}
	return ClientIP
}
