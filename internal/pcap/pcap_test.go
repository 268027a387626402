package pcap

import (
	"bytes"
	"encoding/binary"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/internal/runner"
	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/scenarios"
	"github.com/emu-sim/emu/tcp"
)

var update = flag.Bool("update", false, "rewrite testdata/three-way.pcap")

// trace runs the client-sends-and-closes exchange; loss > 0 adds drops.
func trace(t *testing.T, loss float64, seed uint64) *sim.Trace {
	t.Helper()
	s, _ := tcp.Profile("linux")
	s.HZ = 0
	l := netlink.DefaultConfig()
	l.Delay = 10 * time.Millisecond
	if loss > 0 {
		l.Loss = netlink.Loss{Model: netlink.LossBernoulli, P: loss}
	}
	p := &sim.Params{
		Link:      netlink.DuplexConfig{Forward: l, Reverse: l},
		Client:    sim.Endpoint{TCP: s, Do: []tcp.Op{{Kind: tcp.OpConnect}, {Kind: tcp.OpSend, Size: 3000}, {Kind: tcp.OpClose}}},
		Server:    sim.Endpoint{TCP: s, Do: []tcp.Op{{Kind: tcp.OpAccept}, {Kind: tcp.OpRead, Read: tcp.ReadEOF}, {Kind: tcp.OpClose}}},
		StopAfter: 10 * time.Minute,
	}
	w := sim.NewWorker()
	tr := &sim.Trace{}
	w.SetTrace(tr)
	if _, err := w.Run(p, 0, 0, seed); err != nil {
		t.Fatal(err)
	}
	return tr
}

// onesSum is the Internet checksum's ones-complement sum.
func onesSum(b []byte, sum uint32) uint32 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return sum
}

// TestReadBack writes a capture, reads it back and checks every header
// field and both checksums of every packet against the run's record.
func TestReadBack(t *testing.T) {
	for _, c := range []struct {
		loss float64
		seed uint64
	}{{0, 1}, {0.2, 3}, {0.2, 9}} {
		tr := trace(t, c.loss, c.seed)
		pkts, opt := FromTrace(tr)
		var b bytes.Buffer
		if err := Write(&b, pkts, opt); err != nil {
			t.Fatal(err)
		}
		r, err := pcapgo.NewReader(&b)
		if err != nil {
			t.Fatal(err)
		}
		if r.LinkType() != layers.LinkTypeEthernet || r.Resolution().ToDuration() != time.Nanosecond {
			t.Errorf("link type %v resolution %v", r.LinkType(), r.Resolution())
		}
		for i, p := range pkts {
			data, ci, err := r.ReadPacketData()
			if err != nil {
				t.Fatalf("packet %d: %v", i, err)
			}
			if ci.Timestamp.UnixNano() != int64(p.At) {
				t.Errorf("packet %d at %v, want %v", i, ci.Timestamp.UnixNano(), int64(p.At))
			}
			pk := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
			if el := pk.ErrorLayer(); el != nil {
				t.Fatalf("packet %d malformed: %v", i, el.Error())
			}
			ip := pk.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
			th := pk.Layer(layers.LayerTypeTCP).(*layers.TCP)
			src, sport := ServerIP, opt.ServerPort
			if p.FromClient {
				src, sport = ClientIP, opt.ClientPort
			}
			if !ip.SrcIP.Equal(src) || uint16(th.SrcPort) != sport || th.Seq != p.Seq || th.Ack != p.Ack ||
				th.SYN != (p.Flags&tcp.SYN != 0) || th.FIN != (p.Flags&tcp.FIN != 0) || th.RST != (p.Flags&tcp.RST != 0) ||
				th.ACK != (p.Flags&tcp.ACK != 0) || th.PSH != (p.Flags&tcp.PSH != 0) || len(th.Payload) != p.Len || uint32(th.Window) != min(p.Window, 65535) {
				t.Errorf("packet %d: %v %v seq %d ack %d len %d, want %+v", i, ip.SrcIP, th.SrcPort, th.Seq, th.Ack, len(th.Payload), p)
			}
			if p.MSS != 0 && (len(th.Options) == 0 || th.Options[0].OptionType != layers.TCPOptionKindMSS || binary.BigEndian.Uint16(th.Options[0].OptionData) != p.MSS) {
				t.Errorf("packet %d: MSS option %v, want %d", i, th.Options, p.MSS)
			}
			ipHeader := data[14 : 14+20]
			if onesSum(ipHeader, 0) != 0xffff {
				t.Errorf("packet %d: bad IPv4 checksum", i)
			}
			seg := data[14+20 : 14+int(ip.Length)]
			pseudo := append(append(append([]byte{}, ip.SrcIP.To4()...), ip.DstIP.To4()...), 0, 6, byte(len(seg)>>8), byte(len(seg)))
			if onesSum(seg, onesSum(pseudo, 0)) != 0xffff {
				t.Errorf("packet %d: bad TCP checksum", i)
			}
		}
	}
}

// TestGolden compares the capture of the three-way close with the file in
// testdata (rewrite with -update after checking it in Wireshark).
func TestGolden(t *testing.T) {
	pkts, opt := FromTrace(trace(t, 0, 1))
	var b bytes.Buffer
	if err := Write(&b, pkts, opt); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "three-way.pcap")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("capture differs from %s", golden)
	}
}

// exampleTraces returns run 0 of the first and the last point of every
// built-in example.
func exampleTraces(t *testing.T) map[string]*sim.Trace {
	t.Helper()
	out := map[string]*sim.Trace{}
	for _, name := range scenarios.BuiltinNames() {
		b, _ := scenarios.Builtin(name)
		s, err := scenarios.Load(name, b)
		if err != nil {
			t.Fatal(err)
		}
		pts, err := s.Points()
		if err != nil {
			t.Fatal(err)
		}
		plan := runner.NewPlan(pts, "test", 0, 0, false)
		for _, p := range []int{0, len(plan.Points) - 1} {
			w := sim.NewWorker()
			tr := &sim.Trace{}
			w.SetTrace(tr)
			if _, err := w.Run(plan.Points[p].Params, p, 0, engine.RunSeed(plan.Seed, p, 0)); err != nil {
				t.Fatal(err)
			}
			out[name+"/"+strconv.Itoa(p)] = tr
		}
	}
	return out
}

// TestTshark runs tshark, when it is installed (CI installs it), on the
// captures of every built-in example (first and last sweep point) and of lossy
// runs: no malformed packet, every checksum good, and tshark's flags and
// relative sequence numbers equal emu's own record.
func TestTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed")
	}
	traces := exampleTraces(t)
	for _, seed := range []uint64{1, 3, 9} {
		traces["lossy/"+strconv.FormatUint(seed, 10)] = trace(t, 0.2, seed)
	}
	dir := t.TempDir()
	names := make([]string, 0, len(traces))
	for name := range traces {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		tr := traces[name]
		pkts, opt := FromTrace(tr)
		f := filepath.Join(dir, strings.ReplaceAll(name, "/", "-")+".pcap")
		var b bytes.Buffer
		if err := Write(&b, pkts, opt); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		// One pass: fields separated by |, repeated fields (several expert
		// messages) joined by ;.
		out, err := exec.Command("tshark", "-r", f, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
			"-o", "tcp.relative_sequence_numbers:TRUE",
			"-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=;",
			"-e", "tcp.flags", "-e", "tcp.seq", "-e", "tcp.ack", "-e", "tcp.len",
			"-e", "tcp.checksum.status", "-e", "ip.checksum.status", "-e", "_ws.malformed",
			"-e", "_ws.expert.severity", "-e", "_ws.expert.message").Output()
		if err != nil {
			t.Fatalf("%s: tshark: %v\n%s", name, err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) != len(pkts) {
			t.Fatalf("%s: tshark read %d packets, want %d:\n%s", name, len(lines), len(pkts), out)
		}
		isn := tr.ISN
		for i, l := range lines {
			f := strings.Split(l, "|")
			if len(f) != 9 {
				t.Fatalf("%s packet %d: tshark line %q", name, i, l)
			}
			p := pkts[i]
			// Wireshark's expert analysis warns (severity 0x600000 and up)
			// of nothing but the resets the run really sent.
			if f[7] != "" {
				sev, msg := strings.Split(f[7], ";"), strings.Split(f[8], ";")
				for j := range sev {
					if n, _ := strconv.ParseUint(sev[j], 0, 32); n >= 0x600000 &&
						(j >= len(msg) || msg[j] != "Connection reset (RST)" || p.Flags&tcp.RST == 0) {
						t.Errorf("%s packet %d: tshark warns: %q", name, i, l)
					}
				}
			}
			flags, _ := strconv.ParseUint(strings.TrimPrefix(f[0], "0x"), 16, 16)
			from, to := isn[1], isn[0]
			if p.FromClient {
				from, to = isn[0], isn[1]
			}
			wantAck := "0"
			if p.Flags&tcp.ACK != 0 {
				wantAck = strconv.FormatUint(uint64(p.Ack-to), 10)
			}
			wantSeq := strconv.FormatUint(uint64(p.Seq-from), 10)
			if p.Flags&tcp.RST != 0 && p.Flags&tcp.ACK == 0 && p.Seq == 0 {
				wantSeq = f[1] // a RST answering a SYN carries seq 0, which tshark numbers on its own
			}
			// Checksum status 1 is "good" for both tcp and ip.
			if uint8(flags) != uint8(p.Flags) || f[1] != wantSeq || f[2] != wantAck ||
				f[3] != strconv.Itoa(p.Len) || f[4] != "1" || f[5] != "1" || f[6] != "" {
				t.Errorf("%s packet %d: tshark says %q, emu flags %v seq %s ack %s len %d", name, i, l, p.Flags, wantSeq, wantAck, p.Len)
			}
		}
	}
}

// TestHeaders writes hand-made packets covering every flag, the window
// clamp and the MSS option, and checks each header field a capture tool
// reads: addresses, MACs, TTL, DF, IP IDs per sender, data offset, options,
// window, payload and timestamps.
func TestHeaders(t *testing.T) {
	pkts := []Packet{
		{At: 0, FromClient: true, Flags: tcp.SYN, Seq: 1000, Window: 64240, MSS: 1460},
		{At: 10_000_123, Flags: tcp.SYN | tcp.ACK, Seq: 4_294_967_290, Ack: 1001, Window: 1 << 20, MSS: 536},
		{At: 20_000_000, FromClient: true, Flags: tcp.ACK | tcp.PSH, Seq: 1001, Ack: 4_294_967_291, Window: 70000, Len: 1460},
		{At: 20_000_001, FromClient: true, Flags: tcp.FIN | tcp.ACK, Seq: 2461, Ack: 4_294_967_291, Window: 0, Len: 1},
		{At: 3_000_000_000, Flags: tcp.RST, Seq: 4_294_967_291},
	}
	opt := Options{Endpoints{ClientPort: 40001, ServerPort: 80}}
	var b bytes.Buffer
	if err := Write(&b, pkts, opt); err != nil {
		t.Fatal(err)
	}
	r, err := pcapgo.NewReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	if r.Snaplen() != SnapLen {
		t.Errorf("snaplen %d, want %d", r.Snaplen(), SnapLen)
	}
	wantID := map[bool]uint16{}
	for i, p := range pkts {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if ci.Timestamp.UnixNano() != int64(p.At) || ci.CaptureLength != len(data) || ci.Length != len(data) {
			t.Errorf("packet %d: capture info %+v, want time %d", i, ci, p.At)
		}
		pk := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		if el := pk.ErrorLayer(); el != nil {
			t.Fatalf("packet %d malformed: %v", i, el.Error())
		}
		eth := pk.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		ip := pk.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		th := pk.Layer(layers.LayerTypeTCP).(*layers.TCP)
		srcMAC, dstMAC, src, dst, sport, dport := ServerMAC, ClientMAC, ServerIP, ClientIP, uint16(80), uint16(40001)
		if p.FromClient {
			srcMAC, dstMAC, src, dst, sport, dport = ClientMAC, ServerMAC, ClientIP, ServerIP, 40001, 80
		}
		if eth.SrcMAC.String() != srcMAC.String() || eth.DstMAC.String() != dstMAC.String() || eth.EthernetType != layers.EthernetTypeIPv4 {
			t.Errorf("packet %d: ethernet %v > %v type %v", i, eth.SrcMAC, eth.DstMAC, eth.EthernetType)
		}
		hdr := 20
		if p.MSS != 0 {
			hdr = 24
		}
		if !ip.SrcIP.Equal(src) || !ip.DstIP.Equal(dst) || ip.TTL != 64 || ip.Flags != layers.IPv4DontFragment ||
			ip.Protocol != layers.IPProtocolTCP || ip.IHL != 5 || ip.Id != wantID[p.FromClient] || int(ip.Length) != 20+hdr+p.Len {
			t.Errorf("packet %d: ip %+v", i, ip)
		}
		wantID[p.FromClient]++
		if uint16(th.SrcPort) != sport || uint16(th.DstPort) != dport || th.Seq != p.Seq || th.Ack != p.Ack ||
			int(th.DataOffset)*4 != hdr || uint32(th.Window) != min(p.Window, 65535) || len(th.Payload) != p.Len ||
			th.SYN != p.Flags.Has(tcp.SYN) || th.FIN != p.Flags.Has(tcp.FIN) || th.RST != p.Flags.Has(tcp.RST) ||
			th.PSH != p.Flags.Has(tcp.PSH) || th.ACK != p.Flags.Has(tcp.ACK) || th.URG || th.ECE || th.CWR || th.NS {
			t.Errorf("packet %d: tcp %v:%v seq %d ack %d off %d win %d len %d, want %+v", i, th.SrcPort, th.DstPort, th.Seq, th.Ack, th.DataOffset, th.Window, len(th.Payload), p)
		}
		// Flags are the TCP header's bits, so the header byte equals them.
		if got := data[14+20+13]; got != byte(p.Flags) {
			t.Errorf("packet %d: flags byte %#x, want %#x", i, got, byte(p.Flags))
		}
		if p.MSS != 0 {
			if len(th.Options) != 1 || th.Options[0].OptionType != layers.TCPOptionKindMSS || th.Options[0].OptionLength != 4 ||
				binary.BigEndian.Uint16(th.Options[0].OptionData) != p.MSS {
				t.Errorf("packet %d: options %v, want MSS %d", i, th.Options, p.MSS)
			}
		} else if len(th.Options) != 0 {
			t.Errorf("packet %d: options %v, want none", i, th.Options)
		}
		for _, c := range th.Payload {
			if c != 0 {
				t.Fatalf("packet %d: payload is not zeros", i)
			}
		}
		if onesSum(data[14:34], 0) != 0xffff {
			t.Errorf("packet %d: bad IPv4 checksum", i)
		}
		// Frames under Ethernet's 60-byte minimum are padded; the segment
		// ends where the IP length says.
		if len(data) < 60 {
			t.Errorf("packet %d: frame of %d bytes, under Ethernet's minimum", i, len(data))
		}
		seg := data[34 : 14+int(ip.Length)]
		pseudo := append(append(append([]byte{}, src...), dst...), 0, 6, byte(len(seg)>>8), byte(len(seg)))
		if onesSum(seg, onesSum(pseudo, 0)) != 0xffff {
			t.Errorf("packet %d: bad TCP checksum", i)
		}
	}
	if _, _, err := r.ReadPacketData(); err != io.EOF {
		t.Errorf("after the last packet: %v, want EOF", err)
	}
}

// TestFromSegments checks the converter's defaults: the unscaled maximum
// window and the sender's MSS on SYN segments only.
func TestFromSegments(t *testing.T) {
	segs := []results.Segment{
		{At: 5, From: results.Client, Flags: tcp.SYN, Seq: 7},
		{At: 6, From: results.Server, Flags: tcp.SYN | tcp.ACK, Seq: 9, Ack: 8},
		{At: 7, From: results.Client, Flags: tcp.ACK, Seq: 8, Ack: 10, Len: 3, Retransmit: true, Arrived: engine.Never},
	}
	got := FromSegments(segs, [2]uint16{1460, 1400})
	want := []Packet{
		{At: 5, FromClient: true, Flags: tcp.SYN, Seq: 7, Window: 65535, MSS: 1460},
		{At: 6, Flags: tcp.SYN | tcp.ACK, Seq: 9, Ack: 8, Window: 65535, MSS: 1400},
		{At: 7, FromClient: true, Flags: tcp.ACK, Seq: 8, Ack: 10, Window: 65535, Len: 3},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FromSegments:\n got %+v\nwant %+v", got, want)
	}
}

// TestWriteErrors: a payload that cannot fit in an IPv4 packet is refused
// with the packet's index.
func TestWriteErrors(t *testing.T) {
	for _, c := range []struct {
		p    Packet
		want string
	}{
		{Packet{Len: 65496}, "pcap: packet 1: payload of 65496 bytes does not fit in an IPv4 packet (0 to 65495)"},
		{Packet{Len: 65492, MSS: 1460}, "pcap: packet 1: payload of 65492 bytes does not fit in an IPv4 packet (0 to 65491)"},
		{Packet{Len: -1}, "pcap: packet 1: payload of -1 bytes does not fit in an IPv4 packet (0 to 65495)"},
		{Packet{At: -1}, "pcap: packet 1: negative time -1"},
	} {
		err := Write(io.Discard, []Packet{{Len: 65491, MSS: 1460}, c.p}, Options{})
		if err == nil || err.Error() != c.want {
			t.Errorf("Write(%+v) = %v, want %s", c.p, err, c.want)
		}
	}
}
