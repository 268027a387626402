package capture

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// collect classifies a file and returns its connections.csv rows without
// the file column, and the stats.
func collect(t *testing.T, path string) ([][]string, FileStats) {
	t.Helper()
	var rows [][]string
	st, err := ReadFile(path, Options{}, func(c *Connection) error {
		rows = append(rows, ConnectionRecord(c)[1:])
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows, st
}

// TestRealCaptures classifies the captures in testdata/captures (made on
// Linux by make.sh there). The expected rows were written by hand from
// tshark's listing of each file (frame.time_relative, flags, relative
// sequence and acknowledgement numbers), not from emu's output. Columns:
// client, server, start_ms, close_type, first_closer, teardown_segments,
// teardown_ms, time_wait_side, rst_from, retransmits, fin_ack_ms,
// passive_close_ms. Times are differences of tshark's relative times.
func TestRealCaptures(t *testing.T) {
	const c1, s1 = "10.200.1.1", "10.200.1.2"
	cases := []struct {
		file       string
		rows       [][]string
		duplicates int64
	}{
		// SYN 0, FIN 0.000092, server FIN+ACK 0.007902 (ack 102), ACK 0.007922.
		{"three-way.pcap", [][]string{{c1 + ":48872", s1 + ":5001", "0", "three-way", "client", "3", "7.83", "client", "none", "0", "7.81", "7.81"}}, 0},
		// FIN 0.000695, bare ACK 0.044670, FIN 0.116861, ACK 0.116886.
		{"four-way.pcap", [][]string{{c1 + ":36414", s1 + ":5002", "0", "four-way", "client", "4", "116.191", "client", "none", "0", "43.975", "116.166"}}, 0},
		// The server's RST+ACK at 0.055249 is the only teardown segment.
		{"rst.pcap", [][]string{{c1 + ":54370", s1 + ":5003", "0", "rst", "server", "1", "0", "none", "server", "0", "", ""}}, 0},
		// Server FIN 0.000232, client ACK of it 0.002985, client data
		// 0.020228, server RST 0.020283.
		{"fin-rst.pcap", [][]string{{c1 + ":59114", s1 + ":5004", "0", "fin-rst", "server", "4", "20.051", "none", "server", "0", "2.753", ""}}, 0},
		// Client FIN 0.000263 (ack 2); server FIN 0.010364 with ack 1: it
		// had not received the client's FIN. Both FINs retransmitted
		// (0.207389, 0.215402); server's first ACK of the client's FIN
		// 0.207441; last ACK 0.215431.
		{"simultaneous.pcap", [][]string{{c1 + ":52726", s1 + ":5005", "0", "simultaneous", "client", "6", "215.168", "both", "none", "2", "207.178", "10.101"}}, 0},
		// SYN answered by RST+ACK: no teardown; RST sender for both columns.
		{"no-connect.pcap", [][]string{{c1 + ":60060", s1 + ":5006", "0", "no-connect", "server", "0", "", "none", "server", "0", "", ""}}, 0},
		// FIN 0.001887, again 0.209582, server FIN+ACK 0.213726, ACK 0.213743.
		{"fin-retransmit.pcap", [][]string{{c1 + ":59752", s1 + ":5007", "0", "three-way", "client", "4", "211.856", "client", "none", "1", "211.839", "211.839"}}, 0},
		// Three-way: FIN 0.002386, FIN+ACK 0.013708, ACK 0.013733. Four-way
		// (SYN 1.632330): FIN 1.632518, ACK 1.678163, FIN 1.744631, ACK 1.744654.
		{"ipv6.pcap", [][]string{
			{"[fd00::1]:47660", "[fd00::2]:5008", "0", "three-way", "client", "3", "11.347", "client", "none", "0", "11.322", "11.322"},
			{"[fd00::1]:47672", "[fd00::2]:5008", "1632.33", "four-way", "client", "4", "112.136", "client", "none", "0", "45.645", "112.113"},
		}, 0},
		// LINKTYPE_LINUX_SLL: FIN 0.005364, FIN+ACK 0.008150, ACK 0.008161.
		{"sll.pcap", [][]string{{c1 + ":42066", s1 + ":5009", "0", "three-way", "client", "3", "2.797", "client", "none", "0", "2.786", "2.786"}}, 0},
		// LINKTYPE_LINUX_SLL2: four-way (FIN 0.000096, ACK 0.043097, FIN
		// 0.167166, ACK 0.167205), then rst (SYN 1.264311, RST 1.314722).
		{"sll2.pcap", [][]string{
			{c1 + ":47346", s1 + ":5009", "0", "four-way", "client", "4", "167.109", "client", "none", "0", "43.001", "167.07"},
			{c1 + ":47362", s1 + ":5009", "1264.311", "rst", "server", "1", "0", "none", "server", "0", "", ""},
		}, 0},
		// 802.1Q VLAN 100: three-way (FIN 0.000969, FIN+ACK 0.004844, ACK
		// 0.004862), then fin-rst (SYN 0.882375, server FIN 0.884959, ACK
		// 0.892759, data 0.908936, RST 0.908980).
		{"vlan.pcap", [][]string{
			{c1 + ":52860", s1 + ":5010", "0", "three-way", "client", "3", "3.893", "client", "none", "0", "3.875", "3.875"},
			{c1 + ":52868", s1 + ":5010", "882.375", "fin-rst", "server", "4", "24.021", "none", "server", "0", "7.8", ""},
		}, 0},
		// pcapng with both bridge ports: 34 frames, each segment twice, the
		// interfaces' blocks interleaved out of time order. First copies:
		// four-way FIN 0.000130808 (interface 1), ACK 0.044048021, FIN
		// 0.107609891, ACK 0.107634303 (interface 0); three-way SYN
		// 0.605921708, FIN 0.606132275, FIN+ACK 0.606346385, ACK 0.606369083.
		{"two-interfaces.pcapng", [][]string{
			{c1 + ":54978", s1 + ":5011", "0", "four-way", "client", "4", "107.503", "client", "none", "0", "43.917", "107.479"},
			{c1 + ":54982", s1 + ":5011", "605.922", "three-way", "client", "3", "0.237", "client", "none", "0", "0.214", "0.214"},
		}, 17},
		// One client port twice; the server closes first each time (its FIN
		// 0.000319, client FIN+ACK 0.000340, ACK 0.000351; new SYN 0.538200,
		// FIN 0.541041, FIN+ACK 0.550924, ACK 0.550962).
		{"port-reuse.pcap", [][]string{
			{c1 + ":40000", s1 + ":5012", "0", "three-way", "server", "3", "0.032", "server", "none", "0", "0.021", "0.021"},
			{c1 + ":40000", s1 + ":5012", "538.2", "three-way", "server", "3", "9.921", "server", "none", "0", "9.883", "9.883"},
		}, 0},
		// No SYN: the higher port is the client and start_ms is empty. FIN
		// 0.000102, FIN+ACK 0.009463, ACK 0.009488.
		{"no-syn.pcap", [][]string{{c1 + ":52576", s1 + ":5013", "", "three-way", "client", "3", "9.386", "client", "none", "0", "9.361", "9.361"}}, 0},
		// The client's FIN (1.002681) and its retransmissions (1.207360,
		// 1.415392, 1.843361) are never acknowledged; the capture goes on
		// to 6.627564 (another connection), far past the next one's due
		// time: timeout. Then a three-way close: SYN 6.619788, FIN
		// 6.619887, FIN+ACK 6.627525, ACK 6.627564.
		{"timeout.pcap", [][]string{
			{c1 + ":58774", s1 + ":5015", "0", "timeout", "client", "4", "840.68", "none", "none", "3", "", ""},
			{c1 + ":35684", s1 + ":5016", "6619.788", "three-way", "client", "3", "7.677", "client", "none", "0", "7.638", "7.638"},
		}, 0},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			rows, st := collect(t, filepath.Join("..", "..", "testdata", "captures", c.file))
			if !slices.EqualFunc(rows, c.rows, slices.Equal) {
				t.Errorf("rows:\n%s\nwant:\n%s", join(rows), join(c.rows))
			}
			if st.Damaged || st.Cut != 0 || st.Unsupported != 0 {
				t.Errorf("stats %+v: want a clean read", st)
			}
			if st.Duplicates != c.duplicates {
				t.Errorf("%d duplicates, want %d", st.Duplicates, c.duplicates)
			}
		})
	}
}

func join(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("  " + strings.Join(r, ",") + "\n")
	}
	return b.String()
}

// TestExplainRealCaptures: the --explain line of the first connection of
// each real capture names the facts that decided it, with the times
// taken from tshark's listing (see TestRealCaptures).
func TestExplainRealCaptures(t *testing.T) {
	cases := map[string]string{
		"three-way.pcap":      "three-way: the server's FIN came 7.81 ms after the client's FIN, in its first segment acknowledging it, before its delayed ACK (40 ms on Linux) fired",
		"four-way.pcap":       "four-way: the server acknowledged the client's FIN after 43.975 ms with a bare ACK (its delayed ACK, 40 ms on Linux, fired before its application closed) and sent its own FIN 116.166 ms after the client's FIN",
		"rst.pcap":            "rst: the server sent RST without a FIN, 50.145 ms after the client's last segment (it had sent 100 bytes)",
		"fin-rst.pcap":        "fin-rst: the server sent FIN, then 100 bytes of data came from the client, and the server answered with RST 20.051 ms after its FIN: data after close()",
		"simultaneous.pcap":   "simultaneous: the server sent its FIN 10.101 ms after the client's, before that FIN had reached it",
		"no-connect.pcap":     "no-connect: the server answered the SYN with RST (nothing listening on 10.200.1.2:5006)",
		"fin-retransmit.pcap": "three-way: the server's FIN came 211.839 ms after the client's FIN, in its first segment acknowledging it, no bare ACK of it came first",
		"timeout.pcap":        "timeout: the client retransmitted (3 times in the teardown) without an acknowledgement and fell silent for the last 4784.203 ms of the capture",
	}
	for file, want := range cases {
		var got []string
		if _, err := ReadFile(filepath.Join("..", "..", "testdata", "captures", file), Options{}, func(c *Connection) error {
			got = append(got, Explain(c))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || !strings.HasPrefix(got[0], want) {
			t.Errorf("%s: %q\nwant it to start %q", file, got, want)
		}
	}
}
