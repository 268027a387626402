package tcp

// The socket calls an application makes. Each is non-blocking: it does what
// it can now and says whether the caller must wait; Process turns that into
// blocking calls in virtual time.

// takeError returns the pending socket error once (sock_error).
func (e *Endpoint) takeError() Errno {
	err := e.softErr
	e.softErr = ErrNone
	return err
}

// write is send(2) of up to n bytes. It returns how many bytes the send
// buffer took; block means the caller must wait for space.
func (e *Endpoint) write(n int64) (accepted int64, err Errno, block bool) {
	if e.softErr != ErrNone {
		return 0, e.takeError(), false
	}
	if e.wrShut || (e.state != Established && e.state != CloseWait) {
		if e.state == SynSent || e.state == SynReceived {
			return 0, ErrNone, true
		}
		return 0, EPIPE, false
	}
	space := int64(e.cfg.SndBuf) - e.sndBufUsed()
	if space <= 0 {
		return 0, ErrNone, true
	}
	accepted = min(n, space)
	e.writeEnd += uint32(accepted)
	e.BytesWritten += accepted
	e.output()
	return accepted, ErrNone, accepted < n
}

// read is recv(2) of up to max bytes. Queued data comes first; then, on
// Linux, EOF if the peer's FIN arrived (even after a later RST: tcp_recvmsg
// checks SOCK_DONE before sk_err); then a pending error, once (the BSD
// soreceive returns so_error before the end of file of a FIN); then EOF if
// the peer's FIN arrived, the receive side is shut or the connection is gone.
func (e *Endpoint) read(max int64) (n int64, eof bool, err Errno, block bool) {
	if e.rcvQueued > 0 {
		n = min(max, e.rcvQueued)
		e.rcvQueued -= n
		e.BytesRead += n
		e.ack.afterRead(e, n)
		return n, false, ErrNone, false
	}
	if e.finRcvd && e.cfg.EOFBeforeError {
		return 0, true, ErrNone, false
	}
	if e.softErr != ErrNone {
		return 0, false, e.takeError(), false
	}
	if e.finRcvd {
		return 0, true, ErrNone, false
	}
	if e.rdShut || e.state == Closed || e.state == TimeWait {
		return 0, true, ErrNone, false
	}
	return 0, false, ErrNone, true
}

// setOptions applies setsockopt calls.
func (e *Endpoint) setOptions(o *SetOptions) {
	if o.NoDelay != nil {
		e.nodelay = *o.NoDelay
		if e.nodelay {
			e.output()
		}
	}
	if o.Linger != nil {
		e.linger = *o.Linger
	}
	if o.QuickAck != nil {
		e.setQuickAck(*o.QuickAck)
	}
}
