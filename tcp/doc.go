// Package tcp models TCP endpoints on emu's event engine: the RFC 9293 state
// machine, the socket calls an application makes, and the per-kernel
// behaviour that decides how connections end (Linux's adaptive delayed ACK,
// close() with unread data, orphaned FIN_WAIT_2, TIME_WAIT, RST rules).
//
// The endpoint is split by topic, as well-kept stacks are: connect.go
// (opening handshakes), receive.go (segment arrival), send.go (output and
// retransmission), delack.go (when to ACK), close.go (close, shutdown, abort,
// TIME_WAIT, FIN_WAIT_2), socket.go (the calls an application makes;
// sockapi.go exports them for drivers outside the package, such as
// tcp/scripted), process.go (an application running a scenario's `do:`
// list), host.go (demultiplexing and RSTs for unknown connections),
// timers.go (kernel tick granularity).
//
// docs/tcp-model.md lists the rules each profile reproduces and their
// sources (kernel functions, RFC sections, measurements); every rule here
// has a test in this package that drives two endpoints over a link and
// asserts the exact segments.
package tcp
