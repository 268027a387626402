package pcap

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// tcpdumpOptions spells a header's options as tcpdump prints them, without
// the timestamp values: "mss 1460,sackOK,TS,nop,wscale 7".
func tcpdumpOptions(th *layers.TCP) string {
	var s []string
	for _, o := range th.Options {
		switch o.OptionType {
		case layers.TCPOptionKindNop:
			s = append(s, "nop")
		case layers.TCPOptionKindMSS:
			s = append(s, fmt.Sprintf("mss %d", binary.BigEndian.Uint16(o.OptionData)))
		case layers.TCPOptionKindSACKPermitted:
			s = append(s, "sackOK")
		case layers.TCPOptionKindTimestamps:
			s = append(s, "TS")
		case layers.TCPOptionKindWindowScale:
			s = append(s, fmt.Sprintf("wscale %d", o.OptionData[0]))
		default:
			s = append(s, o.OptionType.String())
		}
	}
	return strings.Join(s, ",")
}

// frames reads a classic pcap into TCP headers and times.
func frames(t *testing.T, b []byte) ([]*layers.TCP, []time.Time) {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var ths []*layers.TCP
	var ts []time.Time
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		pk := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		ths = append(ths, pk.Layer(layers.LayerTypeTCP).(*layers.TCP))
		ts = append(ts, ci.Timestamp)
	}
	return ths, ts
}

// handshake is a SYN, SYN-ACK, ACK and one data segment each way, 10 ms
// one way, windows of 131072 bytes.
var handshake = []Packet{
	{At: 0, Arrived: 10e6, FromClient: true, Flags: tcp.SYN, Seq: 100, Window: 131072, MSS: 1460},
	{At: 10e6, Arrived: 20e6, Flags: tcp.SYN | tcp.ACK, Seq: 500, Ack: 101, Window: 131072, MSS: 1460},
	{At: 20e6, Arrived: 30e6, FromClient: true, Flags: tcp.ACK, Seq: 101, Ack: 501, Window: 131072},
	{At: 20e6, Arrived: 30e6, FromClient: true, Flags: tcp.ACK | tcp.PSH, Seq: 101, Ack: 501, Window: 131072, Len: 10},
	{At: 30e6, Arrived: 40e6, Flags: tcp.ACK, Seq: 501, Ack: 111, Window: 131072},
}

// TestSYNOptions: each profile's kernel writes its SYN options in its own
// order (tcpdump's spelling of real captures of each system); a SYN-ACK
// offers only what the SYN offered; later segments carry timestamps only
// if both SYNs did, and windows scaled by the sender's own shift only if
// both SYNs had window scale (RFC 7323 2.2, 2.3).
func TestSYNOptions(t *testing.T) {
	for _, c := range []struct {
		client, server       string
		syn, synack, later   string
		clientWin, serverWin uint16 // window field of the client's ACK and the server's ACK
	}{
		{"linux", "linux", "mss 1460,sackOK,TS,nop,wscale 7", "mss 1460,sackOK,TS,nop,wscale 7", "nop,nop,TS", 131072 >> 7, 131072 >> 7},
		{"freebsd", "freebsd", "mss 1460,nop,wscale 6,sackOK,TS", "mss 1460,nop,wscale 6,sackOK,TS", "nop,nop,TS", 131072 >> 6, 131072 >> 6},
		{"windows", "windows", "mss 1460,nop,wscale 8,nop,nop,sackOK", "mss 1460,nop,wscale 8,nop,nop,sackOK", "", 131072 >> 8, 131072 >> 8},
		// Windows offers no timestamps: Linux answers without them,
		// SACK permitted behind two NOPs.
		{"windows", "linux", "mss 1460,nop,wscale 8,nop,nop,sackOK", "mss 1460,nop,nop,sackOK,nop,wscale 7", "", 131072 >> 8, 131072 >> 7},
		{"linux", "windows", "mss 1460,sackOK,TS,nop,wscale 7", "mss 1460,nop,wscale 8,nop,nop,sackOK", "", 131072 >> 7, 131072 >> 8},
		// The RFC 9293 profile offers MSS only: no scaling either way,
		// windows clamped to 65535.
		{"linux", "rfc9293", "mss 1460,sackOK,TS,nop,wscale 7", "mss 1460", "", 65535, 65535},
		{"rfc9293", "linux", "mss 1460", "mss 1460", "", 65535, 65535},
		{"", "", "mss 1460", "mss 1460", "", 65535, 65535},
	} {
		opt := Options{Endpoints: Endpoints{ClientPort: 40000, ServerPort: 80}, Profiles: [2]string{c.client, c.server}}
		var b bytes.Buffer
		if err := Write(&b, handshake, opt); err != nil {
			t.Fatal(err)
		}
		ths, _ := frames(t, b.Bytes())
		name := c.client + "/" + c.server
		if len(ths) != 5 {
			t.Fatalf("%s: %d frames", name, len(ths))
		}
		if got := tcpdumpOptions(ths[0]); got != c.syn {
			t.Errorf("%s SYN options %q, want %q", name, got, c.syn)
		}
		if got := tcpdumpOptions(ths[1]); got != c.synack {
			t.Errorf("%s SYN-ACK options %q, want %q", name, got, c.synack)
		}
		for _, i := range []int{2, 3, 4} {
			if got := tcpdumpOptions(ths[i]); got != c.later {
				t.Errorf("%s frame %d options %q, want %q", name, i, got, c.later)
			}
		}
		// SYNs' windows are never scaled (RFC 7323 2.2).
		if ths[0].Window != 65535 || ths[1].Window != 65535 || ths[2].Window != c.clientWin || ths[4].Window != c.serverWin {
			t.Errorf("%s windows %d %d %d %d, want 65535 65535 %d %d", name, ths[0].Window, ths[1].Window, ths[2].Window, ths[4].Window, c.clientWin, c.serverWin)
		}
	}
}

// TestTimestamps: TSval counts milliseconds from the side's ISN; TSecr
// echoes the last TSval that had reached the sender (0 on the SYN).
func TestTimestamps(t *testing.T) {
	opt := Options{Endpoints: Endpoints{ClientPort: 40000, ServerPort: 80}, Profiles: [2]string{"linux", "linux"}}
	var b bytes.Buffer
	if err := Write(&b, handshake, opt); err != nil {
		t.Fatal(err)
	}
	ths, _ := frames(t, b.Bytes())
	want := [][2]uint32{
		{100 + 0, 0},    // SYN at 0 ms
		{500 + 10, 100}, // SYN-ACK at 10 ms echoes the SYN's
		{100 + 20, 510}, // ACK at 20 ms echoes the SYN-ACK's
		{100 + 20, 510},
		{500 + 30, 120}, // server at 30 ms echoes the client's at 20 ms
	}
	for i, th := range ths {
		o := option(th, layers.TCPOptionKindTimestamps)
		if o == nil {
			t.Fatalf("frame %d: no timestamps", i)
		}
		got := [2]uint32{binary.BigEndian.Uint32(o.OptionData), binary.BigEndian.Uint32(o.OptionData[4:])}
		if got != want[i] {
			t.Errorf("frame %d: TSval %d TSecr %d, want %d %d", i, got[0], got[1], want[i][0], want[i][1])
		}
	}
}

// TestCaptureAt: at the client, the server's frames carry their arrival
// times and a frame lost on the way to the client is absent; the client's
// own lost frame is there, and in pcapng it carries a comment.
func TestCaptureAt(t *testing.T) {
	pkts := []Packet{
		{At: 0, Arrived: 10e6, FromClient: true, Flags: tcp.SYN, Seq: 1},
		{At: 10e6, Arrived: 20e6, Flags: tcp.SYN | tcp.ACK, Seq: 5, Ack: 2},
		{At: 20e6, Arrived: engine.Never, FromClient: true, Flags: tcp.ACK | tcp.FIN, Seq: 2, Ack: 6},
		{At: 25e6, Arrived: engine.Never, Flags: tcp.ACK | tcp.FIN, Seq: 6, Ack: 2},
		{At: 30e6, Arrived: 33e6, Flags: tcp.ACK, Seq: 7, Ack: 2},
	}
	for _, c := range []struct {
		at       results.Side
		seqs     []uint32 // frames by seq
		times    []time.Duration
		comments []string
	}{
		{results.Client, []uint32{1, 5, 2, 7}, []time.Duration{0, 20e6, 20e6, 33e6},
			[]string{"", "", "lost on the link: never reached the server", ""}},
		{results.Server, []uint32{1, 5, 6, 7}, []time.Duration{10e6, 10e6, 25e6, 30e6},
			[]string{"", "", "lost on the link: never reached the client", ""}},
	} {
		for _, f := range []Format{FormatPcap, FormatPcapng} {
			var b bytes.Buffer
			if err := Write(&b, pkts, Options{At: c.at, Format: f}); err != nil {
				t.Fatal(err)
			}
			seqs, times, comments := readCapture(t, b.Bytes(), f)
			wantComments := c.comments
			if f == FormatPcap {
				wantComments = []string{"", "", "", ""}
			}
			if fmt.Sprint(seqs) != fmt.Sprint(c.seqs) || fmt.Sprint(times) != fmt.Sprint(c.times) || fmt.Sprintf("%q", comments) != fmt.Sprintf("%q", wantComments) {
				t.Errorf("at %v format %d: seqs %v times %v comments %q, want %v %v %q", c.at, f, seqs, times, comments, c.seqs, c.times, wantComments)
			}
		}
	}
}

// readCapture reads a pcap or pcapng: each frame's TCP sequence number,
// time after the epoch and comment.
func readCapture(t *testing.T, b []byte, f Format) (seqs []uint32, times []time.Duration, comments []string) {
	t.Helper()
	var pr *pcapgo.Reader
	var ng *pcapgo.NgReader
	var err error
	if f == FormatPcapng {
		ng, err = pcapgo.NewNgReader(bytes.NewReader(b), pcapgo.DefaultNgReaderOptions)
		if err == nil && (ng.SectionInfo().OS != "" || ng.SectionInfo().Hardware != "" || ng.SectionInfo().Application != "emu") {
			t.Errorf("section info %+v names the machine", ng.SectionInfo())
		}
	} else {
		pr, err = pcapgo.NewReader(bytes.NewReader(b))
	}
	if err != nil {
		t.Fatal(err)
	}
	for {
		var data []byte
		var ci gopacket.CaptureInfo
		comment := ""
		if ng != nil {
			var o pcapgo.NgPacketOptions
			data, ci, o, err = ng.ReadPacketDataWithOptions()
			comment = strings.Join(o.Comments, ";")
		} else {
			data, ci, err = pr.ReadPacketData()
		}
		if err != nil {
			return seqs, times, comments
		}
		th := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default).Layer(layers.LayerTypeTCP).(*layers.TCP)
		seqs = append(seqs, th.Seq)
		times = append(times, ci.Timestamp.Sub(Epoch))
		comments = append(comments, comment)
	}
}

// TestAllConnections: a run of three connections gives each its own
// client port; FromTrace picks one of them or all.
func TestAllConnections(t *testing.T) {
	s, _ := tcp.Profile("linux")
	l := netlink.DefaultConfig()
	l.Delay = 5 * time.Millisecond
	p := &sim.Params{
		Link:        netlink.DuplexConfig{Forward: l, Reverse: l},
		Client:      sim.Endpoint{TCP: s, Do: []tcp.Op{{Kind: tcp.OpConnect}, {Kind: tcp.OpSend, Size: 100}, {Kind: tcp.OpClose}}},
		Server:      sim.Endpoint{TCP: s, Do: []tcp.Op{{Kind: tcp.OpAccept}, {Kind: tcp.OpRead, Read: tcp.ReadEOF}, {Kind: tcp.OpClose}}},
		Connections: sim.Connections{Count: 3, Every: time.Second},
		StopAfter:   10 * time.Minute,
	}
	w := sim.NewWorker()
	tr := &results.Trace{}
	w.SetTrace(tr)
	if _, err := w.Run(p, 0, 0, 7); err != nil {
		t.Fatal(err)
	}
	all, _, err := FromTrace(tr, AllConnections)
	if err != nil {
		t.Fatal(err)
	}
	var synPorts []uint16
	for _, pk := range all {
		if pk.Flags == tcp.SYN {
			synPorts = append(synPorts, pk.Ports.ClientPort)
		}
	}
	if len(synPorts) != 3 || synPorts[0] == synPorts[1] || synPorts[1] == synPorts[2] || synPorts[0] == synPorts[2] {
		t.Fatalf("SYNs from ports %v, want three distinct", synPorts)
	}
	total := 0
	for k := 0; k < 3; k++ {
		one, _, err := FromTrace(tr, k)
		if err != nil {
			t.Fatal(err)
		}
		for _, pk := range one {
			if pk.Ports.ClientPort != synPorts[k] || pk.Ports.ServerPort != all[0].Ports.ServerPort {
				t.Errorf("connection %d holds a packet of ports %+v", k, pk.Ports)
			}
		}
		// Connections start a second apart.
		if one[0].At != engine.Time(k)*engine.Time(time.Second) {
			t.Errorf("connection %d starts at %v", k, one[0].At)
		}
		total += len(one)
	}
	if total != len(all) {
		t.Errorf("the connections hold %d packets, all %d", total, len(all))
	}
	if _, _, err := FromTrace(tr, 3); err == nil || err.Error() != "pcap: no connection 3: the run opened 3 (0 to 2)" {
		t.Errorf("FromTrace(3): %v", err)
	}
}

// TestRTT: Wireshark's RTT analysis (tcp.analysis.ack_rtt) of a capture at
// either host measures the link's round trip, 10 ms out and 30 ms back, for
// every segment the peer acknowledges at once (SYN, SYN-ACK, the first data
// segments under Linux's quick ACKs); a capture stamped at send times on
// both sides would show half of it or less.
func TestRTT(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("needs tshark (apt-get install -y tshark)")
	}
	s, _ := tcp.Profile("linux")
	s.HZ = 0
	fwd, rev := netlink.DefaultConfig(), netlink.DefaultConfig()
	fwd.Delay, rev.Delay = 10*time.Millisecond, 30*time.Millisecond
	p := &sim.Params{
		Link:      netlink.DuplexConfig{Forward: fwd, Reverse: rev},
		Client:    sim.Endpoint{TCP: s, Do: []tcp.Op{{Kind: tcp.OpConnect}, {Kind: tcp.OpSend, Size: 3000}, {Kind: tcp.OpClose}}},
		Server:    sim.Endpoint{TCP: s, Do: []tcp.Op{{Kind: tcp.OpAccept}, {Kind: tcp.OpRead, Read: tcp.ReadEOF}, {Kind: tcp.OpClose}}},
		StopAfter: 10 * time.Minute,
	}
	w := sim.NewWorker()
	tr := &results.Trace{}
	w.SetTrace(tr)
	if _, err := w.Run(p, 0, 0, 1); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, at := range []results.Side{results.Client, results.Server} {
		pkts, opt, err := FromTrace(tr, 0)
		if err != nil {
			t.Fatal(err)
		}
		opt.At, opt.Profiles = at, [2]string{"linux", "linux"}
		var b bytes.Buffer
		if err := Write(&b, pkts, opt); err != nil {
			t.Fatal(err)
		}
		f := dir + "/" + at.String() + ".pcap"
		if err := os.WriteFile(f, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("tshark", "-r", f, "-T", "fields", "-e", "tcp.flags.str", "-e", "tcp.analysis.ack_rtt").Output()
		if err != nil {
			t.Fatalf("tshark: %v", err)
		}
		n := 0
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Split(l, "\t")
			if len(f) < 2 || f[1] == "" {
				continue
			}
			n++
			d, err := time.ParseDuration(f[1] + "s")
			if err != nil {
				t.Fatal(err)
			}
			// Nothing is acknowledged faster than a round trip; the
			// handshake's replies come after exactly one.
			if d < 40*time.Millisecond || strings.Contains(f[0], "S") && d != 40*time.Millisecond {
				t.Errorf("at %v: %q: ack_rtt %v, want 40ms (one round trip)", at, f[0], d)
			}
		}
		if n == 0 {
			t.Errorf("at %v: tshark measured no RTT:\n%s", at, out)
		}
	}
}

// TestSentOptions: a traced run's frames carry the timestamps and SACK
// permitted that emu's endpoints really sent, with their values; only the
// window scale comes from the profile's kernel.
func TestSentOptions(t *testing.T) {
	tr := trace(t, 0.2, 3)
	pkts, opt, err := FromTrace(tr, 0)
	if err != nil {
		t.Fatal(err)
	}
	opt.Profiles = [2]string{"linux", "linux"}
	var b bytes.Buffer
	if err := Write(&b, pkts, opt); err != nil {
		t.Fatal(err)
	}
	ths, _ := frames(t, b.Bytes())
	idx, _ := wantFrames(pkts, results.Client)
	withTS := 0
	for k, i := range idx {
		p, th := pkts[i], ths[k]
		if !p.Sent {
			t.Fatalf("packet %d of a trace is not marked as sent", i)
		}
		o := option(th, layers.TCPOptionKindTimestamps)
		switch {
		case p.TS && o == nil:
			t.Errorf("frame %d: no timestamps, emu sent TSval %d", k, p.TSVal)
		case p.TS:
			withTS++
			if v, e := binary.BigEndian.Uint32(o.OptionData), binary.BigEndian.Uint32(o.OptionData[4:]); v != p.TSVal || e != p.TSEcr {
				t.Errorf("frame %d: TSval %d TSecr %d, emu sent %d %d", k, v, e, p.TSVal, p.TSEcr)
			}
		case o != nil:
			t.Errorf("frame %d: timestamps emu did not send", k)
		}
		if th.SYN && (option(th, layers.TCPOptionKindSACKPermitted) != nil) != p.SACKOK {
			t.Errorf("frame %d: SACK permitted %v, emu sent %v", k, !p.SACKOK, p.SACKOK)
		}
		if th.SYN && option(th, layers.TCPOptionKindWindowScale) == nil {
			t.Errorf("frame %d: a Linux SYN without window scale", k)
		}
	}
	// The linux profile negotiates timestamps: every frame has them.
	if withTS != len(idx) {
		t.Errorf("%d of %d frames with timestamps", withTS, len(idx))
	}
}

// TestSendTimes: with SendTimes every frame carries its send time, lost
// ones included, whichever host sent it.
func TestSendTimes(t *testing.T) {
	pkts := []Packet{
		{At: 0, Arrived: 10e6, FromClient: true, Flags: tcp.SYN, Seq: 1},
		{At: 10e6, Arrived: 20e6, Flags: tcp.SYN | tcp.ACK, Seq: 5, Ack: 2},
		{At: 20e6, Arrived: engine.Never, FromClient: true, Flags: tcp.ACK | tcp.FIN, Seq: 2, Ack: 6},
		{At: 25e6, Arrived: engine.Never, Flags: tcp.ACK | tcp.FIN, Seq: 6, Ack: 2},
		{At: 30e6, Flags: tcp.ACK, Seq: 7, Ack: 2}, // Arrived left unset, as by hand
	}
	var b bytes.Buffer
	if err := Write(&b, pkts, Options{SendTimes: true, At: results.Server}); err != nil {
		t.Fatal(err)
	}
	seqs, times, _ := readCapture(t, b.Bytes(), FormatPcap)
	if fmt.Sprint(seqs) != "[1 5 2 6 7]" || fmt.Sprint(times) != "[0s 10ms 20ms 25ms 30ms]" {
		t.Errorf("seqs %v times %v", seqs, times)
	}
	if err := Write(&b, pkts, Options{At: results.Server}); err == nil || err.Error() != "pcap: packet 4: arrives at 0, before it was sent at 30000000" {
		t.Errorf("an unset arrival without SendTimes: %v", err)
	}
}
