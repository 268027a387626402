package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/results/capture"
)

var classifyCmd = &command{
	name:    "classify",
	args:    "CAPTURE... [--out DIR] [--port N] [--quiet] [--explain]",
	summary: "classify the TCP connections of real packet captures by how they closed",
	help: `Reads pcap and pcapng files (tcpdump, dumpcap, Wireshark; Ethernet with or
without VLAN tags, Linux cooked SLL and SLL2 from 'tcpdump -i any', raw IP,
BSD loopback; IPv4 and IPv6) and classifies every TCP connection in them with
the same rules as 'emu run': three-way, four-way, simultaneous, rst, fin-rst,
timeout, incomplete, no-connect. Retransmissions are counted apart; a
connection captured on two interfaces counts once. Writes DIR (default
out/classify-<first file's name>/):
  connections.csv  one row per connection (client, server, start_ms from the
                   file's first TCP packet, close type, first closer,
                   teardown time, FIN-to-ACK and passive-close times)
  summary.csv      one row per file and a last row 'all' (counts, fractions,
                   95% Wilson intervals, teardown quantiles)
  summary.json     the same
Rows of connections.csv come in the order connections ended (a RST, or both
FINs acknowledged and 2 s of silence), then those still open at the end of
each file. Where the wire alone does not decide: the client is the side that
sent the SYN (without one, the higher port, and start_ms is empty); a SYN
answered by RST is no-connect with first_closer = rst_from = that side;
timeout means a side retransmitted and then fell silent while the capture
went on; time_wait_side is the side that closed first (both after a
simultaneous close). A damaged or truncated file is read up to the damage,
with a warning naming the byte offset; a file that is not a capture at all
exits 2. Memory stays bounded by the connections open at once.

Examples:
  sudo tcpdump -i any -w web.pcap port 443 &   # ...later: kill %1
  emu classify web.pcap
  emu classify web.pcap --port 443 --explain
  emu classify day1.pcapng day2.pcapng --out results/days
`,
}

func init() {
	classifyCmd.run = cmdClassify
}

// errInterrupted stops reading when a signal arrives.
var errInterrupted = errors.New("interrupted")

// classify reads the captures and writes dir. A folder it had to create
// is removed again when nothing could be written into it, so that a bad
// capture leaves no empty out/classify-NAME behind.
func classify(e *env, files []string, dir string, port uint16, quiet, explain bool) error {
	_, statErr := os.Stat(dir)
	err := classifyInto(e, files, dir, port, quiet, explain)
	if err != nil && errors.Is(statErr, fs.ErrNotExist) {
		_ = os.Remove(dir) // only if empty
	}
	return err
}

func classifyInto(e *env, files []string, dir string, port uint16, quiet, explain bool) error {
	var total int64
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return badInput("%s: %v", f, errors.Unwrap(err))
		}
		if fi.IsDir() {
			return badInput("%s: a folder, not a capture file", f)
		}
		total += fi.Size()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("emu classify: %w", err)
	}
	connFile, err := results.CreateAtomic(filepath.Join(dir, "connections.csv"))
	if err != nil {
		return fmt.Errorf("emu classify: %w", err)
	}
	defer connFile.Abort()
	cw, err := capture.NewConnectionsWriter(connFile)
	if err != nil {
		return fmt.Errorf("emu classify: %w", err)
	}

	var bar *progressbar.ProgressBar
	if e.isTerminal && !quiet {
		bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription("classify"),
			progressbar.OptionShowBytes(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	// Ctrl-C or SIGTERM stops at the next connection; the deferred Abort
	// removes the partial connections.csv, so nothing half-written stays.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	all := results.NewAccumulator(0, nil)
	var summaries []results.FileSummary
	var warnings []string
	var done, segments int64
	problems := false
	for _, f := range files {
		acc := results.NewAccumulator(0, nil)
		opt := capture.Options{Port: port}
		if bar != nil {
			opt.Progress = func(off int64) { _ = bar.Set64(done + off) }
		}
		st, err := capture.ReadFile(f, opt, func(c *capture.Connection) error {
			if ctx.Err() != nil {
				return errInterrupted
			}
			acc.Add(&c.Outcome)
			all.Add(&c.Outcome)
			if explain {
				fmt.Fprintf(e.stdout, "%s %s > %s: %s\n", f, c.Client, c.Server, capture.Explain(c))
			}
			return cw.Write(c)
		})
		if err != nil {
			if bar != nil {
				_ = bar.Clear()
			}
			if errors.Is(err, errInterrupted) {
				return &exitError{code: 130, msg: "emu classify: interrupted; no output file was written"}
			}
			var nc *capture.NotCaptureError
			var pe *fs.PathError
			if errors.As(err, &nc) || errors.As(err, &pe) && pe.Path == f {
				return badInput("emu classify: %v", err)
			}
			return fmt.Errorf("emu classify: %s: %w", f, err)
		}
		done += st.Bytes
		segments += st.TCP
		w := st.Warnings(f)
		problems = problems || len(w) > 0
		warnings = append(warnings, w...)
		summaries = append(summaries, results.NewFileSummary(f, acc))
	}
	if bar != nil {
		_ = bar.Finish()
	}
	for _, w := range warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	if segments == 0 && problems {
		return badInput("emu classify: no TCP segment could be read from %s", strings.Join(files, ", "))
	}
	summaries = append(summaries, results.NewFileSummary(results.AllFiles, all))
	if err := cw.Flush(); err != nil {
		return fmt.Errorf("emu classify: %w", err)
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, "summary.csv"), func(w io.Writer) error {
		return results.WriteCaptureSummaryCSV(w, summaries)
	}); err != nil {
		return fmt.Errorf("emu classify: %w", err)
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, "summary.json"), func(w io.Writer) error {
		return results.WriteCaptureSummaryJSON(w, versionString(), files, int(port), summaries)
	}); err != nil {
		return fmt.Errorf("emu classify: %w", err)
	}
	if err := connFile.Commit(); err != nil {
		return fmt.Errorf("emu classify: %w", err)
	}
	if !quiet {
		printCaptureTable(e.stdout, summaries)
		files := fmt.Sprintf("%d files", len(files))
		if files == "1 files" {
			files = "1 file"
		}
		fmt.Fprintf(e.stdout, "\n%d connections in %s in %.2fs; wrote %s, %s, %s\n", cw.Rows(), files, time.Since(start).Seconds(),
			filepath.Join(dir, "connections.csv"), filepath.Join(dir, "summary.csv"), filepath.Join(dir, "summary.json"))
	}
	return nil
}

// printCaptureTable prints the table of 'emu run' with files for sweep
// points: one row per file and the row 'all', the number of connections,
// the percentage of each close type that occurred anywhere, and the
// median teardown time.
func printCaptureTable(w io.Writer, rows []results.FileSummary) {
	var types []results.CloseType
	for _, t := range results.CloseTypes() {
		for i := range rows {
			if rows[i].Types[t].N > 0 {
				types = append(types, t)
				break
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"file", "connections"}
	for _, t := range types {
		head = append(head, t.String())
	}
	head = append(head, "teardown ms p50")
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for i := range rows {
		s := &rows[i]
		row := []string{s.File, fmt.Sprint(s.Runs)}
		for _, t := range types {
			f := s.Types[t].Frac
			if f != f { // NaN: no connections
				row = append(row, "-")
				continue
			}
			row = append(row, fmt.Sprintf("%.1f%%", 100*f))
		}
		p50 := "-"
		if s.TeardownMsP50 == s.TeardownMsP50 {
			p50 = fmt.Sprintf("%.3f", s.TeardownMsP50)
		}
		row = append(row, p50)
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	tw.Flush()
}

// cmdClassify runs emu classify.
func cmdClassify(e *env, args []string) error {
	fs := newFlags(e, classifyCmd)
	out := fs.String("out", "", "output folder (default out/classify-<first file's name>/)")
	port := fs.Int("port", 0, "keep only connections with this port at one end")
	quiet := fs.Bool("quiet", false, "no progress bar and no table")
	explain := fs.Bool("explain", false, "print one line per connection saying why it ended as it did")
	pos, err := parseFlags(e, classifyCmd, fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return badInput("emu classify: name at least one capture file (pcap or pcapng)")
	}
	if *port < 0 || *port > 65535 {
		return badInput("emu classify: --port %d is not a TCP port (1 to 65535)", *port)
	}
	dir := *out
	if dir == "" {
		base := filepath.Base(pos[0])
		base = strings.TrimSuffix(base, filepath.Ext(base))
		dir = filepath.Join("out", "classify-"+base)
	}
	return classify(e, pos, dir, uint16(*port), *quiet, *explain)
}
