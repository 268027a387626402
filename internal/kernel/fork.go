package kernel

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"golang.org/x/sys/unix"
)

// A Go program cannot fork(2) and go on running Go code in the child, so a
// fork is a new helper process that receives the parent's socket. Starting
// one takes milliseconds (exec and the Go runtime's start), where fork(2)
// takes microseconds; so each child is started ahead, as a spare that
// waits on a socket pair, and the fork only hands it the connection
// (SCM_RIGHTS) and its name: a few microseconds, as a real fork.

// spare is a child helper started ahead of its fork.
type spare struct {
	cmd *exec.Cmd
	ctl int // the parent's end of the socket pair
}

// handoff is what a spare receives at its fork, with the socket as
// ancillary data when the parent holds one.
type handoff struct {
	Proc   string `json:"proc"`
	Ignore bool   `json:"ignore"` // SIGPIPE ignored, inherited from the parent
}

// startSpare starts a child helper that will run ops once handed a socket.
func (s *side) startSpare(ops []OpSpec) (*spare, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socketpair: %w", err)
	}
	spec := *s.spec
	spec.Ops, spec.Child, spec.SockOpts, spec.Many, spec.Proc, spec.NoConn, spec.Spare = ops, true, nil, 0, "", false, true
	b, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), SideEnv+"="+string(b))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	child := os.NewFile(uintptr(pair[1]), "spare")
	cmd.ExtraFiles = []*os.File{child} // fd 3 in the child
	err = cmd.Start()
	child.Close()
	if err != nil {
		unix.Close(pair[0])
		return nil, err
	}
	s.children = append(s.children, cmd)
	return &spare{cmd: cmd, ctl: pair[0]}, nil
}

// hand gives the spare its socket (none when fd < 0) and its name; it then
// runs its program.
func (sp *spare) hand(fd int, h handoff) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	var oob []byte
	if fd >= 0 {
		oob = unix.UnixRights(fd)
	}
	err = unix.Sendmsg(sp.ctl, b, oob, nil, unix.MSG_NOSIGNAL)
	unix.Close(sp.ctl)
	return err
}

// awaitHandoff is a spare's start: it waits for its fork. ok is false when
// the parent ended without forking it (the spare then ends silently).
func (s *side) awaitHandoff() (ok bool, err error) {
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	var n, oobn int
	for {
		n, oobn, _, _, err = unix.Recvmsg(3, buf, oob, 0)
		if err != unix.EINTR {
			break
		}
	}
	unix.Close(3)
	if err != nil || n == 0 {
		return false, err
	}
	var h handoff
	if err := json.Unmarshal(buf[:n], &h); err != nil {
		return false, fmt.Errorf("handoff: %w", err)
	}
	s.fd = -1
	if oobn > 0 {
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err != nil || len(msgs) != 1 {
			return false, errors.New("handoff: bad control message")
		}
		fds, err := unix.ParseUnixRights(&msgs[0])
		if err != nil || len(fds) != 1 {
			return false, errors.New("handoff: no socket")
		}
		s.fd = fds[0]
	}
	s.proc = "child"
	if h.Proc != "" {
		s.proc = h.Proc
	}
	s.ignore = h.Ignore
	return true, setSigpipe(h.Ignore)
}
