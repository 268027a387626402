package tcp

import "fmt"

// Listener is a listening socket: it creates an endpoint for each SYN and
// queues established connections for accept.
type Listener struct {
	host     *Host
	port     uint16
	settings *Settings   // shared (Host.shareSettings)
	queue    []*Endpoint // established, not yet accepted
	waiters  []*Process  // processes blocked in accept, in arrival order
	closed   bool
	holders  int // processes holding the listening socket; the last to go closes it
	// OnConnection, if set, is called when a connection is established and
	// no process waits in accept: a forking server starts a process for it.
	OnConnection func()
}

// Listen opens a listening socket on port with the given settings for the
// connections it accepts. The caller holds it until it calls Close; a
// process that opens it (Spawn) holds it until it dies.
func (h *Host) Listen(port uint16, s Settings) (*Listener, error) {
	c, err := h.shareSettings(&s)
	if err != nil {
		return nil, fmt.Errorf("listen on port %d: %w", port, err)
	}
	for _, l := range h.listeners {
		if l.port == port && !l.closed {
			return nil, fmt.Errorf("listen on port %d: port in use", port)
		}
	}
	l := h.newListener()
	l.host, l.port, l.settings, l.holders = h, port, c, 1
	h.listeners = append(h.listeners, l)
	return l, nil
}

// Accept takes an established connection from the queue, or returns nil.
func (l *Listener) Accept() *Endpoint {
	if len(l.queue) == 0 {
		return nil
	}
	e := l.queue[0]
	copy(l.queue, l.queue[1:])
	l.queue = l.queue[:len(l.queue)-1]
	return e
}

// Close stops listening. Connections not yet accepted are reset, as Linux does
// when a listener closes with a non-empty accept queue.
func (l *Listener) Close() {
	l.closed = true
	for _, e := range l.queue {
		e.abort()
	}
	l.queue = nil
}

func (l *Listener) established(e *Endpoint) {
	l.queue = append(l.queue, e)
	if len(l.waiters) > 0 {
		w := l.waiters[0]
		// Shifted rather than resliced, so that the storage is kept for
		// the next waiter (and the host's next run).
		n := copy(l.waiters, l.waiters[1:])
		l.waiters[n] = nil
		l.waiters = l.waiters[:n]
		w.waitingAccept = false
		w.wake()
		return
	}
	if l.OnConnection != nil {
		l.OnConnection()
	}
}

// Listener returns the host's listener on port, or nil.
func (h *Host) Listener(port uint16) *Listener {
	for _, l := range h.listeners {
		if l.port == port && !l.closed {
			return l
		}
	}
	return nil
}

func (h *Host) listening(port uint16) bool { return h.Listener(port) != nil }
