package main

import (
	"io"
	"strconv"
	"strings"

	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/results/ladder"
	"github.com/emu-sim/emu/results/pcap"
)

// pcapCapture is how 'emu trace --pcap' writes its capture.
type pcapCapture struct {
	pcap.Options
	conn int // pcap.AllConnections or a connection's index
}

// pcapOptions checks --pcap-at and --connection and picks the format from
// the file's extension.
func pcapOptions(at, conn, file string) (pcapCapture, error) {
	var c pcapCapture
	switch at {
	case "client":
		c.At = results.Client
	case "server":
		c.At = results.Server
	default:
		return c, badInput("emu trace: --pcap-at %q: write client or server", at)
	}
	if conn == "all" {
		c.conn = pcap.AllConnections
	} else if n, err := strconv.Atoi(conn); err == nil && n >= 0 {
		c.conn = n
	} else {
		return c, badInput("emu trace: --connection %q: write a connection number from 0, or all", conn)
	}
	if strings.HasSuffix(strings.ToLower(file), ".pcapng") {
		c.Format = pcap.FormatPcapng
	}
	return c, nil
}

// writePcap writes the traced run as a capture, whole or not at all.
func writePcap(path string, t *results.Trace, c pcapCapture) error {
	pkts, opt, err := pcap.FromTrace(t, c.conn)
	if err != nil {
		return badInput("--connection: %s", strings.TrimPrefix(err.Error(), "pcap: "))
	}
	c.Options.Endpoints = opt.Endpoints
	return results.WriteFileAtomic(path, func(w io.Writer) error { return pcap.Write(w, pkts, c.Options) })
}

// writeLadderSVG draws the traced run as an SVG ladder, whole or not at all.
func writeLadderSVG(path string, t *results.Trace, title string) error {
	return results.WriteFileAtomic(path, func(w io.Writer) error { return ladder.WriteSVG(w, t, title) })
}
