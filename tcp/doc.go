// Package tcp models TCP endpoints on emu's event engine: the RFC 9293 state
// machine, the socket calls an application makes, and the per-kernel
// behaviour that decides how connections end (Linux's adaptive delayed ACK,
// close() with unread data, orphaned FIN_WAIT_2, TIME_WAIT, RST rules).
//
// The endpoint is split by topic, as well-kept stacks are: connect.go
// (opening handshakes), receive.go (segment arrival), send.go (output and
// retransmission), tlp.go (the tail loss probe), delack.go (when to ACK),
// close.go (close, shutdown, abort, TIME_WAIT, FIN_WAIT_2), socket.go (the
// calls an application makes; sockapi.go exports them for drivers outside
// the package, such as tcp/scripted), process.go (an application running a
// scenario's `do:` list, forks and signals), host.go (demultiplexing, RSTs
// for unknown connections, the host's books), listener.go, ports.go
// (ephemeral ports and TIME_WAIT reuse), isn.go (initial sequence numbers
// and the timestamp clock), timers.go (kernel ticks and the timer wheel),
// settings.go and profiles.go (the settings and each kernel's values).
// Endpoint's state is grouped by the half that changes it: sender,
// receiver and ackState. tcp imports only engine: the text form of the
// settings (YAML names, units) lives in scenarios.
//
// docs/tcp-model.md lists the rules each profile reproduces and their
// sources (kernel functions, RFC sections, measurements); every rule here
// has a test in this package that asserts the exact segments, two endpoints
// over a link or one endpoint against a scripted peer (tcp/scripted, and the
// packetdrill scripts in testdata/packetdrill).
package tcp
