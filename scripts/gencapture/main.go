// Command gencapture writes a synthetic pcap of many short TCP connections
// with a known mix of close types (see internal/capturegen), for
// scripts/bench-classify.sh.
//
//	go run ./scripts/gencapture -n 55600 -o big.pcap
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/emu-sim/emu/internal/capturegen"
)

func main() {
	n := flag.Int("n", 55600, "connections")
	every := flag.Duration("every", 100*time.Microsecond, "a new connection starts this often")
	out := flag.String("o", "synthetic.pcap", "file to write")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gencapture:", err)
		os.Exit(1)
	}
	w := bufio.NewWriter(f)
	packets, err := capturegen.Write(w, capturegen.Options{Connections: *n, Every: *every})
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gencapture:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d connections, %d packets\n", *out, *n, packets)
}
