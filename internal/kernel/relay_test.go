package kernel

import (
	"encoding/binary"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/emu-sim/emu/netlink"
)

// needRoot skips a test that needs what emu kernel needs.
func needRoot(t *testing.T) {
	t.Helper()
	if err := Available(); err != nil {
		t.Skipf("needs root, ip and /dev/net/tun: %v", err)
	}
}

// loadPerCore returns the 1-minute load average divided by the number of
// cores, or 0 when /proc/loadavg cannot be read.
func loadPerCore() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	x, _ := strconv.ParseFloat(f[0], 64)
	return x / float64(runtime.NumCPU())
}

func udpSocket(t *testing.T, ns, addr string) int {
	t.Helper()
	var fd int
	err := InNamespace(ns, func() error {
		var err error
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		sa := &unix.SockaddrInet4{Port: 9000}
		copy(sa.Addr[:], parseIPv4(addr))
		return unix.Bind(fd, sa)
	})
	if err != nil {
		t.Fatalf("socket in %s: %v", ns, err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// TestRelayDelayAccuracy sends timestamped UDP datagrams from the client's
// namespace to the server's through a relay configured with 10 ms one way
// and measures, with the one clock both ends share, how long each took.
// On an idle machine the median must be within 0.2 ms of 10 ms (the
// issue's requirement). A machine whose load average exceeds its core count
// (a shared CI runner) wakes the relay late more often; the test then
// allows 1 ms and says so.
func TestRelayDelayAccuracy(t *testing.T) {
	needRoot(t)
	load := loadPerCore()
	p, err := NewPair(1500)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	}()
	r := NewRelay(p)
	defer r.Close()
	cfg := netlink.DefaultConfig()
	cfg.Delay = 10 * time.Millisecond
	if _, err := r.Begin(netlink.DuplexConfig{Forward: cfg, Reverse: cfg}, 1, 9000); err != nil {
		t.Fatal(err)
	}
	tx := udpSocket(t, p.Names[0], ClientAddr)
	rx := udpSocket(t, p.Names[1], ServerAddr)
	const n = 200
	got := make(chan []time.Duration)
	go func() {
		var d []time.Duration
		buf := make([]byte, 64)
		tv := unix.NsecToTimeval(int64(time.Second))
		_ = unix.SetsockoptTimeval(rx, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
		for len(d) < n {
			m, _, err := unix.Recvfrom(rx, buf, 0)
			now := monotonic()
			if err == unix.EINTR {
				// A socket with SO_RCVTIMEO is not restarted after a
				// signal (signal(7)); Go's preemption sends them.
				continue
			}
			if err != nil {
				break
			}
			if m >= 8 {
				d = append(d, time.Duration(now-int64(binary.BigEndian.Uint64(buf))))
			}
		}
		got <- d
	}()
	dst := &unix.SockaddrInet4{Port: 9000}
	copy(dst.Addr[:], parseIPv4(ServerAddr))
	msg := make([]byte, 64)
	for range n {
		binary.BigEndian.PutUint64(msg, uint64(monotonic()))
		if err := unix.Sendto(tx, msg, 0, dst); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Millisecond)
	}
	d := <-got
	if len(d) < n*9/10 {
		t.Fatalf("%d of %d datagrams arrived", len(d), n)
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	median, p99 := d[len(d)/2], d[len(d)*99/100]
	margin := 200 * time.Microsecond
	if load > 1 {
		margin = time.Millisecond
	}
	t.Logf("one-way delay over the relay, 10 ms configured: min %v median %v p99 %v (%d datagrams; load average per core %.2f; allowed median error %v)",
		d[0], median, p99, len(d), load, margin)
	if err := median - 10*time.Millisecond; err < -margin || err > margin {
		t.Errorf("median one-way delay %v, want 10ms ± %v", median, margin)
	}
	if d[0] < 10*time.Millisecond {
		t.Errorf("a datagram took %v, less than the configured 10 ms", d[0])
	}
}
