package main

import (
	"io"

	"github.com/emu-sim/emu/internal/pcap"
	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/results/ladder"
)

// writePcap writes the traced run as a pcap file, whole or not at all.
func writePcap(path string, t *sim.Trace) error {
	pkts, ports := pcap.FromTrace(t)
	return results.WriteFileAtomic(path, func(w io.Writer) error { return pcap.Write(w, pkts, ports) })
}

// writeLadderSVG draws the traced run as an SVG ladder, whole or not at all.
func writeLadderSVG(path string, t *sim.Trace) error {
	return results.WriteFileAtomic(path, func(w io.Writer) error { return ladder.WriteSVG(w, t) })
}
