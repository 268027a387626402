package kernel

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// helper is one side's running helper process.
type helper struct {
	cmd    *exec.Cmd
	done   chan struct{}
	ready  chan struct{}
	mu     sync.Mutex
	events []Event
	stderr bytes.Buffer
	pgid   int
}

func (p *Point) start(side int, spec *SideSpec) (*helper, error) {
	b, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("ip", "netns", "exec", p.pair.Names[side], p.exe)
	cmd.Env = append(os.Environ(), SideEnv+"="+string(b))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	h := &helper{cmd: cmd, done: make(chan struct{}), ready: make(chan struct{})}
	cmd.Stderr = &h.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the %s helper: %w", spec.Side, err)
	}
	h.pgid = cmd.Process.Pid
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		readied := false
		for sc.Scan() {
			var e Event
			if json.Unmarshal(sc.Bytes(), &e) != nil {
				continue
			}
			h.mu.Lock()
			h.events = append(h.events, e)
			h.mu.Unlock()
			if e.Ready && !readied {
				readied = true
				close(h.ready)
			}
		}
		_ = cmd.Wait()
		close(h.done)
	}()
	return h, nil
}

// alive reports whether any process of the helper's group is left (a
// forked child outlives its parent).
func (h *helper) alive() bool {
	select {
	case <-h.done:
	default:
		return true
	}
	h.reap()
	return unix.Kill(-h.pgid, 0) == nil
}

// reap collects the group's ended processes. A forked child whose parent
// ended is an orphan that this process adopts (see becomeSubreaper); until
// it is collected it is a zombie, still in the group. Called only after
// the leader was collected by its exec.Cmd, so that it takes no status
// that Cmd.Wait needs.
func (h *helper) reap() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-h.pgid, &ws, unix.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

// kill ends every process of the helper's group and waits until they are
// gone.
func (h *helper) kill() {
	_ = unix.Kill(-h.pgid, unix.SIGKILL)
	<-h.done
	for range 500 {
		h.reap()
		if unix.Kill(-h.pgid, 0) != nil {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

var subreaper sync.Once

// becomeSubreaper makes this process adopt the orphans among its
// descendants (PR_SET_CHILD_SUBREAPER): a forked child outliving its
// parent then waits for emu to collect it, not for the machine's init,
// which may take its time, and the run's end is seen at once.
func becomeSubreaper() {
	subreaper.Do(func() { _ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) })
}

// killedBy reports whether the helper's own process died of signal sig
// (valid once it has ended).
func (h *helper) killedBy(sig syscall.Signal) bool {
	st := h.cmd.ProcessState
	if st == nil {
		return false
	}
	ws, ok := st.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}

// accepted counts the connections the helper's own process accepted.
func (h *helper) accepted() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, e := range h.events {
		if e.Proc == "main" && e.Call == "accept" && e.Result == "ok" {
			n++
		}
	}
	return n
}

func (h *helper) trace() Trace {
	h.mu.Lock()
	defer h.mu.Unlock()
	return Trace{Events: append([]Event(nil), h.events...), Stderr: h.stderr.String()}
}

// Executable returns the program to run as side helper: this one.
func Executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(exe)
}
