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
func trace(t *testing.T, loss float64, seed uint64) *results.Trace {
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
	tr := &results.Trace{}
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

// wantFrames is the capture a host should show: what it sent at the send
// time, what reached it at the arrival time, in time order (ties in order
// of transmission).
func wantFrames(pkts []Packet, at results.Side) (idx []int, times []engine.Time) {
	type f struct {
		t engine.Time
		i int
	}
	var fs []f
	for i, p := range pkts {
		if p.FromClient == (at == results.Client) {
			fs = append(fs, f{p.At, i})
		} else if p.Arrived != engine.Never {
			fs = append(fs, f{p.Arrived, i})
		}
	}
	sort.SliceStable(fs, func(a, b int) bool { return fs[a].t < fs[b].t })
	for _, x := range fs {
		idx, times = append(idx, x.i), append(times, x.t)
	}
	return idx, times
}

// option returns the TCP option of a kind, or nil.
func option(th *layers.TCP, kind layers.TCPOptionKind) *layers.TCPOption {
	for i := range th.Options {
		if th.Options[i].OptionType == kind {
			return &th.Options[i]
		}
	}
	return nil
}

// TestReadBack writes captures at either host, reads them back and checks
// every frame's time and header fields and both checksums against the
// run's record.
func TestReadBack(t *testing.T) {
	for _, c := range []struct {
		loss float64
		seed uint64
	}{{0, 1}, {0.2, 3}, {0.2, 9}} {
		tr := trace(t, c.loss, c.seed)
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
			r, err := pcapgo.NewReader(&b)
			if err != nil {
				t.Fatal(err)
			}
			if r.LinkType() != layers.LinkTypeEthernet || r.Resolution().ToDuration() != time.Nanosecond {
				t.Errorf("link type %v resolution %v", r.LinkType(), r.Resolution())
			}
			idx, times := wantFrames(pkts, at)
			for k, i := range idx {
				p := pkts[i]
				data, ci, err := r.ReadPacketData()
				if err != nil {
					t.Fatalf("frame %d: %v", k, err)
				}
				if want := Epoch.Add(time.Duration(times[k])); !ci.Timestamp.Equal(want) {
					t.Errorf("seed %d at %v frame %d at %v, want %v", c.seed, at, k, ci.Timestamp, want)
				}
				pk := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
				if el := pk.ErrorLayer(); el != nil {
					t.Fatalf("frame %d malformed: %v", k, el.Error())
				}
				ip := pk.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
				th := pk.Layer(layers.LayerTypeTCP).(*layers.TCP)
				src, sport := ServerIP, opt.ServerPort
				if p.FromClient {
					src, sport = ClientIP, opt.ClientPort
				}
				if !ip.SrcIP.Equal(src) || uint16(th.SrcPort) != sport || th.Seq != p.Seq || th.Ack != p.Ack ||
					th.SYN != (p.Flags&tcp.SYN != 0) || th.FIN != (p.Flags&tcp.FIN != 0) || th.RST != (p.Flags&tcp.RST != 0) ||
					th.ACK != (p.Flags&tcp.ACK != 0) || th.PSH != (p.Flags&tcp.PSH != 0) || len(th.Payload) != p.Len {
					t.Errorf("frame %d: %v %v seq %d ack %d len %d, want %+v", k, ip.SrcIP, th.SrcPort, th.Seq, th.Ack, len(th.Payload), p)
				}
				if o := option(th, layers.TCPOptionKindMSS); p.MSS != 0 && (o == nil || binary.BigEndian.Uint16(o.OptionData) != p.MSS) {
					t.Errorf("frame %d: MSS option %v, want %d", k, th.Options, p.MSS)
				}
				ipHeader := data[14 : 14+20]
				if onesSum(ipHeader, 0) != 0xffff {
					t.Errorf("frame %d: bad IPv4 checksum", k)
				}
				seg := data[14+20 : 14+int(ip.Length)]
				pseudo := append(append(append([]byte{}, ip.SrcIP.To4()...), ip.DstIP.To4()...), 0, 6, byte(len(seg)>>8), byte(len(seg)))
				if onesSum(seg, onesSum(pseudo, 0)) != 0xffff {
					t.Errorf("frame %d: bad TCP checksum", k)
				}
			}
			if _, _, err := r.ReadPacketData(); err != io.EOF {
				t.Errorf("seed %d at %v: more frames than the %d expected (%v)", c.seed, at, len(idx), err)
			}
		}
	}
}

// golden compares b with testdata/name (rewritten with -update).
func golden(t *testing.T, name string, b []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("capture differs from %s (check it in Wireshark, then rewrite with -update)", path)
	}
}

// TestGolden compares the capture of the three-way close at the client and
// of a lossy run at the server, as pcapng, with the files in testdata.
func TestGolden(t *testing.T) {
	for _, c := range []struct {
		file string
		loss float64
		seed uint64
		at   results.Side
		f    Format
	}{
		{"three-way.pcap", 0, 1, results.Client, FormatPcap},
		{"lossy-server.pcapng", 0.2, 3, results.Server, FormatPcapng},
	} {
		pkts, opt, err := FromTrace(trace(t, c.loss, c.seed), 0)
		if err != nil {
			t.Fatal(err)
		}
		opt.At, opt.Format, opt.Profiles = c.at, c.f, [2]string{"linux", "linux"}
		var b bytes.Buffer
		if err := Write(&b, pkts, opt); err != nil {
			t.Fatal(err)
		}
		golden(t, c.file, b.Bytes())
	}
}

// exampleTraces returns run 0 of the first and the last point of every
// built-in example.
func exampleTraces(t *testing.T) map[string]*results.Trace {
	t.Helper()
	out := map[string]*results.Trace{}
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
			tr := &results.Trace{}
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
		pkts, opt, err := FromTrace(tr, 0)
		if err != nil {
			t.Fatal(err)
		}
		opt.Profiles = [2]string{"linux", "linux"}
		idx, _ := wantFrames(pkts, results.Client)
		lost := false
		for _, p := range pkts {
			lost = lost || p.Lost()
		}
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
		if len(lines) != len(idx) {
			t.Fatalf("%s: tshark read %d packets, want %d:\n%s", name, len(lines), len(idx), out)
		}
		isn := tr.ISN
		for i, l := range lines {
			f := strings.Split(l, "|")
			if len(f) != 9 {
				t.Fatalf("%s packet %d: tshark line %q", name, i, l)
			}
			p := pkts[idx[i]]
			// Wireshark's expert analysis warns (severity 0x600000 and up)
			// of nothing but the resets the run really sent and, when
			// the link lost frames, the gaps a capture at one host shows.
			if f[7] != "" {
				sev, msg := strings.Split(f[7], ";"), strings.Split(f[8], ";")
				for j := range sev {
					m := ""
					if j < len(msg) {
						m = msg[j]
					}
					gap := lost && (strings.HasPrefix(m, "Previous segment") || strings.HasPrefix(m, "ACKed segment that wasn't captured"))
					if n, _ := strconv.ParseUint(sev[j], 0, 32); n >= 0x600000 && !gap &&
						(m != "Connection reset (RST)" || p.Flags&tcp.RST == 0) {
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
		{At: 0, Arrived: 5_000_000, FromClient: true, Flags: tcp.SYN, Seq: 1000, Window: 64240, MSS: 1460},
		{At: 10_000_123, Arrived: 15_000_123, Flags: tcp.SYN | tcp.ACK, Seq: 4_294_967_290, Ack: 1001, Window: 1 << 20, MSS: 536},
		{At: 20_000_000, Arrived: 25_000_000, FromClient: true, Flags: tcp.ACK | tcp.PSH, Seq: 1001, Ack: 4_294_967_291, Window: 70000, Len: 1460},
		{At: 20_000_001, Arrived: 25_000_001, FromClient: true, Flags: tcp.FIN | tcp.ACK, Seq: 2461, Ack: 4_294_967_291, Window: 0, Len: 1},
		{At: 3_000_000_000, Arrived: 3_005_000_000, Flags: tcp.RST, Seq: 4_294_967_291},
	}
	// No profile: the MSS option only, windows unscaled. Captured at the
	// client, so the server's frames carry their arrival times.
	opt := Options{Endpoints: Endpoints{ClientPort: 40001, ServerPort: 80}}
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
		at := p.Arrived
		if p.FromClient {
			at = p.At
		}
		if !ci.Timestamp.Equal(Epoch.Add(time.Duration(at))) || ci.CaptureLength != len(data) || ci.Length != len(data) {
			t.Errorf("packet %d: capture info %+v, want time %d after the epoch", i, ci, at)
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
		{At: 7, Arrived: engine.Never, FromClient: true, Flags: tcp.ACK, Seq: 8, Ack: 10, Window: 65535, Len: 3},
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
		{Packet{At: 5, Arrived: 4}, "pcap: packet 1: arrives at 4, before it was sent at 5"},
	} {
		err := Write(io.Discard, []Packet{{Len: 65491, MSS: 1460}, c.p}, Options{})
		if err == nil || err.Error() != c.want {
			t.Errorf("Write(%+v) = %v, want %s", c.p, err, c.want)
		}
	}
}
