package tcp

// The socket calls for code outside this package that drives an endpoint
// itself rather than through a Process: a scripted peer's tests, and
// `emu packetdrill`, whose scripts make socket calls one by one.
//
// Every call is non-blocking, as the internal ones are: it does what it can
// now and reports whether a blocking caller would have to wait. What a
// waiting call waits for changes only when an event runs, so a caller that
// blocks in virtual time retries the call after each scheduler event. The
// calls run in the caller's event: call them from an event scheduled at the
// time the application makes the call, never between events of one instant
// that a Process would separate (see Process, which wakes in an event of its
// own after the segment that woke it).

// Write is send(2) of up to n bytes. It returns how many bytes the send
// buffer took, the error the call fails with (EPIPE after the sending side
// was shut or the connection reset; a pending error such as ECONNRESET once),
// and whether a blocking caller would wait: for the handshake to finish, or
// for space in the send buffer for the rest.
func (e *Endpoint) Write(n int64) (accepted int64, err Errno, block bool) {
	return e.write(n)
}

// Read is recv(2) of up to max bytes. It returns the bytes read, whether
// the call returned 0 for end of file, the error it fails with (a pending
// ECONNRESET once), and whether a blocking caller would wait for data.
func (e *Endpoint) Read(max int64) (n int64, eof bool, err Errno, block bool) {
	return e.read(max)
}

// Unread returns the bytes received in order and not yet read.
func (e *Endpoint) Unread() int64 { return e.rcvQueued }

// Close is close(2): RST when received data is unread or SO_LINGER is on
// with a zero timeout (on profiles that reset), otherwise a FIN after any
// queued data. It reports whether a blocking caller lingers: SO_LINGER is on
// with a timeout and the FIN is not yet acknowledged. A lingering caller
// waits until Lingering reports false or the linger timeout passed, then
// calls FinishClose. A call that does not linger has orphaned the socket.
func (e *Endpoint) Close() (linger bool) {
	return e.closeSocket(false)
}

// Lingering reports whether a lingering close still waits for the
// acknowledgment of its FIN (sk_stream_wait_close).
func (e *Endpoint) Lingering() bool { return e.lingering() }

// FinishClose ends a lingering close: the socket is orphaned (an orphan in
// FIN_WAIT_2 starts the FIN_WAIT_2 timeout).
func (e *Endpoint) FinishClose() { e.orphanNow() }

// Shutdown is shutdown(2). It returns ENOTCONN on a socket that is not
// connected (inet_shutdown).
func (e *Endpoint) Shutdown(how ShutdownHow) Errno { return e.shutdown(how) }

// SetOptions is setsockopt(2) of the options o sets (TCP_NODELAY,
// SO_LINGER, TCP_QUICKACK); nil fields are left as they are. Setting
// TCP_NODELAY pushes data Nagle held; TCP_QUICKACK sends an owed ACK.
func (e *Endpoint) SetOptions(o SetOptions) { e.setOptions(&o) }

// NoDelay returns the TCP_NODELAY option.
func (e *Endpoint) NoDelay() bool { return e.nodelay }

// LingerOption returns the SO_LINGER option.
func (e *Endpoint) LingerOption() Linger { return e.linger }

// SocketError is getsockopt(SO_ERROR): the pending error, which the call
// clears (sock_error).
func (e *Endpoint) SocketError() Errno { return e.takeError() }

// ConnectResult reports how an active open stands: done is false while the
// handshake is under way (a blocking connect waits); when done, err is the
// error connect fails with (ECONNREFUSED, ETIMEDOUT), or ErrNone once the
// connection is established.
func (e *Endpoint) ConnectResult() (done bool, err Errno) {
	switch e.state {
	case SynSent, SynReceived:
		return false, ErrNone
	case Closed:
		if e.Reached(Established) {
			return true, ErrNone
		}
		err := e.takeError()
		if err == ErrNone {
			err = ECONNREFUSED
		}
		return true, err
	}
	return true, ErrNone
}
