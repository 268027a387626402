package kernel

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The addresses of the two sides, inside their own namespaces only. The
// TUN devices are point-to-point links, so each side reaches the other
// through its TUN device and nothing else: every packet passes the relay.
const (
	ClientAddr = "10.201.0.1"
	ServerAddr = "10.201.0.2"
	tunName    = "emu0"
)

// Pair is the two namespaces of one batch of runs, with the relay's ends of
// their TUN devices.
type Pair struct {
	Names [2]string   // network namespace names: client, server
	TUN   [2]*os.File // the TUN devices: client's, server's
	made  [2]bool
}

var pairSeq atomic.Int64

// Available reports why emu kernel cannot run here, or nil: it needs root,
// the ip command and /dev/net/tun.
func Available() error {
	if os.Geteuid() != 0 {
		return errors.New("emu kernel needs root (network namespaces and TUN devices)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return errors.New("emu kernel needs the ip command (iproute2)")
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		return fmt.Errorf("emu kernel needs /dev/net/tun: %w", err)
	}
	return nil
}

// NewPair creates two namespaces, a TUN device in each with the side's
// address and the route to the peer through it, MTU mtu. On error nothing
// is left behind.
func NewPair(mtu int) (p *Pair, err error) {
	n := pairSeq.Add(1)
	p = &Pair{}
	for i, side := range []string{"c", "s"} {
		p.Names[i] = fmt.Sprintf("emu-%d-%d%s", os.Getpid(), n, side)
	}
	defer func() {
		if err != nil {
			_ = p.Close()
		}
	}()
	addrs := [2][2]string{{ClientAddr, ServerAddr}, {ServerAddr, ClientAddr}}
	for i, ns := range p.Names {
		if err := ip("netns", "add", ns); err != nil {
			return nil, err
		}
		p.made[i] = true
		if err := ip("-n", ns, "link", "set", "lo", "up"); err != nil {
			return nil, err
		}
		f, err := openTUN(ns)
		if err != nil {
			return nil, fmt.Errorf("namespace %s: %w", ns, err)
		}
		p.TUN[i] = f
		if err := ip("-n", ns, "addr", "add", addrs[i][0], "peer", addrs[i][1], "dev", tunName); err != nil {
			return nil, err
		}
		if err := ip("-n", ns, "link", "set", tunName, "mtu", fmt.Sprint(mtu), "up"); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Route changes the route to the peer in side i's namespace, adding route
// attributes such as rto_min or quickack (ip-route(8)).
func (p *Pair) Route(i int, attrs []string) error {
	peer := ServerAddr
	if i == 1 {
		peer = ClientAddr
	}
	args := append([]string{"-n", p.Names[i], "route", "replace", peer + "/32", "dev", tunName}, attrs...)
	return ip(args...)
}

// Sysctl sets a sysctl in side i's namespace (net.ipv4.* are per
// namespace).
func (p *Pair) Sysctl(i int, key, value string) error {
	path := "/proc/sys/" + strings.ReplaceAll(key, ".", "/")
	cmd := exec.Command("ip", "netns", "exec", p.Names[i], "sh", "-c", `printf '%s\n' "$1" > "$2"`, "sh", value, path)
	detach(cmd)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("sysctl %s=%s in %s: %v: %s", key, value, p.Names[i], err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Close removes the devices and namespaces. Deleting a namespace also
// removes its TUN device and every socket left in it (TIME_WAIT included).
func (p *Pair) Close() error {
	var errs []error
	for i := range p.TUN {
		if p.TUN[i] != nil {
			_ = p.TUN[i].Close()
			p.TUN[i] = nil
		}
	}
	for i, ns := range p.Names {
		if p.made[i] {
			if err := ip("netns", "del", ns); err != nil {
				errs = append(errs, err)
			}
			p.made[i] = false
		}
	}
	return errors.Join(errs...)
}

func ip(args ...string) error {
	cmd := exec.Command("ip", args...)
	detach(cmd)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// openTUN creates the TUN device tunName inside namespace ns and returns
// its file, which stays usable from any namespace.
func openTUN(ns string) (f *os.File, err error) {
	err = InNamespace(ns, func() error {
		var e error
		f, e = tunDevice(tunName)
		return e
	})
	return f, err
}

// InNamespace runs fn on an OS thread that has joined network namespace
// ns; sockets and devices fn creates belong to ns and stay there. The
// thread returns to its own namespace afterwards; if it cannot, it stays
// locked and dies with its goroutine rather than serve other goroutines in
// the wrong namespace.
func InNamespace(ns string, fn func() error) (err error) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		self, e := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if e != nil {
			err = fmt.Errorf("own namespace: %w", e)
			runtime.UnlockOSThread()
			return
		}
		defer unix.Close(self)
		target, e := unix.Open("/var/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if e != nil {
			err = fmt.Errorf("open namespace %s: %w", ns, e)
			runtime.UnlockOSThread()
			return
		}
		defer unix.Close(target)
		if e := unix.Setns(target, unix.CLONE_NEWNET); e != nil {
			err = fmt.Errorf("setns %s: %w", ns, e)
			runtime.UnlockOSThread()
			return
		}
		err = fn()
		if e := unix.Setns(self, unix.CLONE_NEWNET); e != nil {
			return // the thread stays locked and exits with this goroutine
		}
		runtime.UnlockOSThread()
	}()
	<-done
	return err
}

// tunDevice opens /dev/net/tun and attaches it to a new TUN device called
// name (IFF_TUN: IP packets; IFF_NO_PI: without the packet-info header),
// non-blocking so that Go's poller serves reads and Close interrupts them.
func tunDevice(name string) (*os.File, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open /dev/net/tun: %w", err)
	}
	var req [unix.IFNAMSIZ + 64]byte
	copy(req[:unix.IFNAMSIZ-1], name)
	*(*uint16)(unsafe.Pointer(&req[unix.IFNAMSIZ])) = unix.IFF_TUN | unix.IFF_NO_PI
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TUNSETIFF, uintptr(unsafe.Pointer(&req[0]))); e != 0 {
		unix.Close(fd)
		return nil, fmt.Errorf("TUNSETIFF %s: %w", name, e)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("TUN non-blocking: %w", err)
	}
	return os.NewFile(uintptr(fd), "tun:"+name), nil
}

// CleanStale removes namespaces that an emu kernel process left behind when
// it was killed without a chance to clean up (SIGKILL): those named
// emu-PID-... whose process PID no longer exists. It returns their names.
func CleanStale() []string {
	entries, err := os.ReadDir("/var/run/netns")
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		name := e.Name()
		rest, ok := strings.CutPrefix(name, "emu-")
		if !ok {
			continue
		}
		pid, _, ok := strings.Cut(rest, "-")
		if !ok || pid == "" || strings.Trim(pid, "0123456789") != "" {
			continue
		}
		if _, err := os.Stat("/proc/" + pid); err == nil {
			continue
		}
		if ip("netns", "del", name) == nil {
			removed = append(removed, name)
		}
	}
	return removed
}

// TCP states as /proc/net/tcp writes them (include/net/tcp_states.h).
const (
	tcpTimeWait = 0x06
	tcpClose    = 0x07
)

// Sockets returns the states of the TCP sockets in side i's namespace that
// have port as their local or remote port, read from the namespace's
// /proc/net/tcp.
func (p *Pair) Sockets(i int, port uint16) ([]int, error) {
	var b []byte
	err := InNamespace(p.Names[i], func() error {
		var err error
		b, err = os.ReadFile("/proc/thread-self/net/tcp")
		return err
	})
	if err != nil {
		return nil, err
	}
	return parseProcNetTCP(string(b), port), nil
}

// parseProcNetTCP picks the states of the sockets on port out of the text
// of /proc/net/tcp: "sl local_address rem_address st ...", addresses as
// hex IP:port.
func parseProcNetTCP(text string, port uint16) []int {
	var out []int
	for _, line := range strings.Split(text, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		if st, err := strconv.ParseUint(f[3], 16, 8); onPort(f, port) && err == nil {
			out = append(out, int(st))
		}
	}
	return out
}

// detach puts cmd in a process group of its own, so that a Ctrl-C at the
// terminal (SIGINT to the foreground group) reaches emu only: emu then
// cleans up with ip commands that must not die of the same key press.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// TimeWaitLeft returns how long the longest-remaining TIME_WAIT socket on
// port in side i's namespace still has to live, from the timer field of
// /proc/net/tcp (clock ticks of 10 ms), or ok false when there is none.
func (p *Pair) TimeWaitLeft(i int, port uint16) (left time.Duration, ok bool, err error) {
	var b []byte
	err = InNamespace(p.Names[i], func() error {
		var err error
		b, err = os.ReadFile("/proc/thread-self/net/tcp")
		return err
	})
	if err != nil {
		return 0, false, err
	}
	left, ok = timeWaitLeft(string(b), port)
	return left, ok, nil
}

// userHZ is the unit of /proc/net/tcp's timers (USER_HZ, 100 on Linux).
const userHZ = 100

func timeWaitLeft(text string, port uint16) (left time.Duration, ok bool) {
	for _, line := range strings.Split(text, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 6 || !onPort(f, port) {
			continue
		}
		st, err := strconv.ParseUint(f[3], 16, 8)
		if err != nil || st != tcpTimeWait {
			continue
		}
		_, when, _ := strings.Cut(f[5], ":")
		ticks, err := strconv.ParseUint(when, 16, 32)
		if err != nil {
			continue
		}
		left, ok = max(left, time.Duration(ticks)*time.Second/userHZ), true
	}
	return left, ok
}

// onPort reports whether a /proc/net/tcp line's local or remote port is
// port.
func onPort(f []string, port uint16) bool {
	for _, addr := range f[1:3] {
		_, hexPort, ok := strings.Cut(addr, ":")
		if n, err := strconv.ParseUint(hexPort, 16, 16); ok && err == nil && uint16(n) == port {
			return true
		}
	}
	return false
}
