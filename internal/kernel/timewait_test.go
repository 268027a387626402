package kernel

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// kernelHZ reads CONFIG_HZ of the running kernel from /proc/config.gz or
// /boot/config-<release>, or returns 0.
func kernelHZ() int {
	var text []byte
	if b, err := os.ReadFile("/proc/config.gz"); err == nil {
		if r, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
			text, _ = io.ReadAll(r)
		}
	}
	if text == nil {
		text, _ = os.ReadFile("/boot/config-" + KernelRelease())
	}
	for _, line := range strings.Split(string(text), "\n") {
		if v, ok := strings.CutPrefix(line, "CONFIG_HZ="); ok {
			hz, _ := strconv.Atoi(v)
			return hz
		}
	}
	return 0
}

// wheelGranularity is the granularity in ticks of the kernel timer wheel's
// level that holds a timer `ticks` ahead (kernel/time/timer.c: level n
// starts 63·8^(n-1) ticks ahead and rounds up to 8^n ticks).
func wheelGranularity(ticks int64) int64 {
	gran := int64(1)
	for start := int64(63); ticks >= start; start <<= 3 {
		gran <<= 3
	}
	return gran
}

// timeWaitPorts returns the local ports of TIME_WAIT sockets whose remote
// port is port, from /proc/net/tcp.
func timeWaitPorts(port uint16) (map[uint16]bool, error) {
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ports := map[uint16]bool{}
	s := bufio.NewScanner(f)
	remote := fmt.Sprintf(":%04X", port)
	for s.Scan() {
		fs := strings.Fields(s.Text())
		if len(fs) < 4 || fs[3] != "06" || !strings.HasSuffix(fs[2], remote) {
			continue
		}
		_, lp, _ := strings.Cut(fs[1], ":")
		p, err := strconv.ParseUint(lp, 16, 16)
		if err == nil {
			ports[uint16(p)] = true
		}
	}
	return ports, s.Err()
}

// TestKernelTimeWaitLength measures how long the running kernel keeps a
// TIME_WAIT socket after the final ACK, the fact behind emu's timer-wheel
// model (tcp.TestTimeWaitLength): 60 s rounded up to the granularity of
// the wheel level holding it, at a point that depends on where the
// kernel's jiffies stand. At HZ=250, 15 000 ticks sit in the 512-tick
// level, so the sockets must vanish spread over (60 s, 62.048 s], as emu's
// model has them; connections closed at random moments over more than one
// 512-tick period (2.048 s) must cover both halves of that range.
//
// It needs no root (loopback in the current namespace) but takes a minute
// and a kernel to itself, so it runs with the kernel tests
// (EMU_KERNEL_TESTS=1).
func TestKernelTimeWaitLength(t *testing.T) {
	if os.Getenv("EMU_KERNEL_TESTS") != "1" {
		t.Skip("needs EMU_KERNEL_TESTS=1 (a minute of a Linux kernel's TIME_WAIT); .ci/run runs it")
	}
	hz := kernelHZ()
	if hz == 0 {
		t.Skip("needs the kernel's CONFIG_HZ from /proc/config.gz or /boot/config-" + KernelRelease())
	}
	t.Parallel()
	const conns = 200
	tick := time.Second / time.Duration(hz)
	gran := time.Duration(wheelGranularity(int64(60*hz))) * tick
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Skipf("needs a loopback listener: %v", err)
	}
	defer ln.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)

	// The server closes after the client's FIN: the client's ACK of that
	// FIN, the final ACK, leaves within microseconds on loopback.
	var mu sync.Mutex
	finalAck := map[uint16]time.Time{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				_, _ = c.Read(make([]byte, 1))
				p := uint16(c.RemoteAddr().(*net.TCPAddr).Port)
				_ = c.Close()
				now := time.Now()
				mu.Lock()
				finalAck[p] = now
				mu.Unlock()
			}(c)
		}
	}()
	spread := 2*gran + time.Second
	rng := rand.New(rand.NewPCG(1, 2))
	errs := make(chan error, conns)
	for i := 0; i < conns; i++ {
		wait := time.Duration(rng.Int64N(int64(spread)))
		go func() {
			time.Sleep(wait)
			c, err := net.Dial("tcp4", ln.Addr().String())
			if err == nil {
				err = c.Close()
			}
			errs <- err
		}()
	}
	gone := map[uint16]time.Time{}
	seen := map[uint16]bool{}
	deadline := time.Now().Add(spread + 60*time.Second + gran + 2*time.Second)
	for time.Now().Before(deadline) {
		now := time.Now()
		cur, err := timeWaitPorts(port)
		if err != nil {
			t.Skipf("needs /proc/net/tcp: %v", err)
		}
		for p := range cur {
			seen[p] = true
		}
		for p := range seen {
			if _, done := gone[p]; !done && !cur[p] {
				gone[p] = now
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	for i := 0; i < conns; i++ {
		if err := <-errs; err != nil {
			t.Fatalf("connection: %v", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var lengths []time.Duration
	for p, at := range gone {
		if ack, ok := finalAck[p]; ok {
			lengths = append(lengths, at.Sub(ack))
		}
	}
	if len(lengths) < conns*9/10 {
		t.Fatalf("saw %d of %d TIME_WAIT sockets vanish", len(lengths), conns)
	}
	sort.Slice(lengths, func(i, j int) bool { return lengths[i] < lengths[j] })
	lo, hi, mid := lengths[0], lengths[len(lengths)-1], lengths[len(lengths)/2]
	t.Logf("HZ=%d, %d TIME_WAIT sockets vanished %v to %v after the final ACK (median %v); the wheel's range is (60 s, %v]",
		hz, len(lengths), lo, hi, mid, 60*time.Second+gran)
	// 20 ms of slack for the polling and for goroutine wake-ups.
	const slack = 20 * time.Millisecond
	if lo < 60*time.Second-slack || hi > 60*time.Second+gran+slack {
		t.Errorf("lengths %v to %v, want within (60 s, %v]", lo, hi, 60*time.Second+gran)
	}
	below := sort.Search(len(lengths), func(i int) bool { return lengths[i] > 60*time.Second+gran/2 })
	if f := float64(below) / float64(len(lengths)); f < 0.3 || f > 0.7 {
		t.Errorf("%.2f of the lengths in the lower half of the range, want about half (0.3–0.7)", f)
	}
}
