package scenarios

import (
	"time"

	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/tcp"
)

// Defaults of a scenario's top-level settings.
const (
	DefaultSeed      = 1
	DefaultRuns      = 100
	DefaultStopAfter = 5 * time.Minute
	DefaultMaxEvents = 10_000_000
	DefaultProfile   = "linux"
)

// Endpoint is one side's resolved TCP settings and program.
type Endpoint struct {
	Profile string
	TCP     tcp.Settings
	Host    tcp.HostSettings
	Do      []tcp.Op
	// NoListen (server only, listen: false) leaves the port closed: SYNs
	// are answered with RST and there is no program (Do is empty).
	NoListen bool
}

// Connections says how many connections a run opens and when: Count
// client programs, started Every apart, or with Poisson arrivals of mean
// gap Every.
type Connections struct {
	Count   int
	Every   time.Duration
	Poisson bool
	Sample  time.Duration // states.csv sampling interval (runs of more than one connection)
}

// RunConfig is one sweep point fully resolved: every default filled in,
// every ${var} substituted. It is what a run needs and what summary.json
// records.
type RunConfig struct {
	Name        string
	Description string
	Seed        uint64
	Runs        int
	StopAfter   time.Duration
	MaxEvents   uint64
	Profile     string
	Link        netlink.DuplexConfig
	Connections Connections
	Client      Endpoint
	Server      Endpoint
}
