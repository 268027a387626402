package scenarios

import (
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/emu-sim/emu/internal/units"
	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/tcp"
)

var scalarActions = map[string]tcp.OpKind{
	"connect": tcp.OpConnect, "accept": tcp.OpAccept, "close": tcp.OpClose, "abort": tcp.OpAbort, "crash": tcp.OpCrash,
}

var mapActions = []string{"send", "read", "sleep", "shutdown", "set", "wait", "fork"}

const actionHelp = "{send: SIZE}, {read: SIZE|eof|available}, {sleep: DURATION|{dist: ...}}, close, {shutdown: write|read|both}, abort, crash, {set: {quickack: BOOL, nodelay: BOOL, linger: DURATION|off, sigpipe: ignore|terminate}}, {wait: eof}, {fork: [ACTIONS...]}"

// program is what the checks of a do: list know about the process at one
// point of it.
type program struct {
	side     string
	child    bool   // a forked child's list
	opened   bool   // the process holds a connection (opened, or inherited)
	closedBy string // the action that gave it up: close, abort or crash
}

// holds reports whether the process holds an open connection now.
func (p *program) holds() bool { return p.opened && p.closedBy == "" }

// MaxActions bounds a do: list; a program is a handful of calls, and a
// list of aliases can expand to thousands.
const MaxActions = 10_000

// actions decodes a do: list and checks that the program makes sense for
// its side: it opens once (connect on the client, accept on the server),
// before any action on the socket — a client may sleep or set options
// before connect (they apply to the socket it opens), a server starts with
// accept because it listens from the start — and it does nothing with the
// socket after closing it, nor anything at all after crashing.
func (d *decoder) actions(n *yaml.Node, side string) []tcp.Op {
	if n.Kind != yaml.SequenceNode {
		d.errAt(n, "%s.do must be a list of actions (%s, %s)", side, opener(side), actionHelp)
		return nil
	}
	if len(n.Content) == 0 {
		d.errAt(n, "%s.do is empty: a %s starts with %s", side, side, opener(side))
		return nil
	}
	if len(n.Content) > MaxActions {
		d.errAt(n, "%s.do has %d actions, more than %d", side, len(n.Content), MaxActions)
		return nil
	}
	// A list that never names its opener gets one error saying so, rather
	// than one per action before it.
	named := false
	for _, a := range n.Content {
		if a.Kind == yaml.ScalarNode && (a.Value == "connect" || a.Value == "accept") {
			named = true
		}
	}
	st := &program{side: side}
	ops, bad := d.program(n, st, named)
	switch {
	case bad:
	case !named:
		d.errAt(n, "%s.do never opens a connection: start with %s", side, opener(side))
	case side == "server" && ops[0].Kind != tcp.OpAccept:
		d.errAt(n.Content[0], "the server's program must start with accept (it listens from the start)")
	}
	return ops
}

// program decodes the actions of a do: list or of a fork's list and checks
// each against what the process can do at that point. named says whether
// a top-level list names its opener (connect or accept) anywhere.
func (d *decoder) program(n *yaml.Node, st *program, named bool) (ops []tcp.Op, bad bool) {
	side := st.side
	for _, a := range n.Content {
		op, ok := d.action(a, st)
		if !ok {
			bad = true
			if a.Kind == yaml.ScalarNode {
				// Maybe the misspelt opener: do not blame the actions
				// after it.
				st.opened = true
			}
			continue
		}
		name := op.Kind.String()
		isOpen := op.Kind == tcp.OpConnect || op.Kind == tcp.OpAccept
		free := op.Kind == tcp.OpSleep || op.Kind == tcp.OpSet || op.Kind == tcp.OpFork
		switch {
		case op.Kind == tcp.OpConnect && side == "server":
			d.errAt(a, "server cannot connect: the server's program starts with accept")
			bad, st.opened = true, true
			continue
		case op.Kind == tcp.OpAccept && side == "client":
			d.errAt(a, "client cannot accept: the client's program starts with connect")
			bad, st.opened = true, true
			continue
		case st.closedBy == "crash":
			d.errAt(a, "%s after crash: the process is dead", name)
		case isOpen && st.child:
			d.errAt(a, "%s in a fork: a forked child shares its parent's connection and cannot open another", name)
		case isOpen && st.opened:
			d.errAt(a, "%s twice: emu runs one connection per side", name)
		case isOpen:
			st.opened = true
		case st.closedBy != "" && !free:
			d.errAt(a, "%s after %s: the socket is already closed", name, st.closedBy)
		case !st.opened && named && side == "client" && !free:
			d.errAt(a, "%s before connect: the client must open its connection first", name)
		}
		if op.Kind == tcp.OpClose || op.Kind == tcp.OpAbort || op.Kind == tcp.OpCrash {
			if st.closedBy == "" || op.Kind == tcp.OpCrash {
				st.closedBy = name
			}
		}
		ops = append(ops, op)
	}
	return ops, bad
}

// fork decodes {fork: [ACTIONS...]}: the child's list, checked as a
// program that starts holding what the parent holds now.
func (d *decoder) fork(v *yaml.Node, parent *program) (tcp.Op, bool) {
	what := parent.side + ": fork"
	if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		d.errAt(v, "%s needs the child's actions as a list, e.g. {fork: [{sleep: 100ms}, close]}", what)
		return tcp.Op{}, false
	}
	if len(v.Content) > MaxActions {
		d.errAt(v, "%s has %d actions, more than %d", what, len(v.Content), MaxActions)
		return tcp.Op{}, false
	}
	child := &program{side: parent.side, child: true, opened: parent.holds()}
	if !child.opened {
		state := "before its " + opener(parent.side)
		if parent.closedBy != "" {
			state = "after " + parent.closedBy
		}
		d.noteAt(v, "%s %s: the child shares no connection, so its socket calls fail with EBADF", what, state)
	}
	ops, bad := d.program(v, child, false)
	if bad {
		return tcp.Op{}, false
	}
	return tcp.Op{Kind: tcp.OpFork, Fork: ops}, true
}

func opener(side string) string {
	if side == "server" {
		return "accept"
	}
	return "connect"
}

// action decodes one entry of a do: list.
func (d *decoder) action(a *yaml.Node, st *program) (tcp.Op, bool) {
	side := st.side
	switch a.Kind {
	case yaml.ScalarNode:
		if k, ok := scalarActions[a.Value]; ok {
			return tcp.Op{Kind: k}, true
		}
		for _, m := range mapActions {
			if a.Value == m {
				d.errAt(a, "%s needs an argument, e.g. {%s: %s}", m, m, map[string]string{"send": "100B", "read": "eof", "sleep": "10ms", "shutdown": "write", "set": "{quickack: true}", "wait": "eof", "fork": "[close]"}[m])
				return tcp.Op{}, false
			}
		}
		msg := "unknown action " + quote(a.Value)
		all := append(keys(scalarActions), mapActions...)
		if s := suggest(a.Value, all); s != "" {
			msg += " (did you mean " + quote(s) + "?)"
		}
		d.errAt(a, "%s; a %s can do: %s, %s", msg, side, opener(side), actionHelp)
		return tcp.Op{}, false
	case yaml.MappingNode:
		if len(a.Content) != 2 {
			d.errAt(a, "an action is one name with one argument, e.g. {send: 100B}; write several actions as separate list entries")
			return tcp.Op{}, false
		}
		k, v := a.Content[0], a.Content[1]
		what := side + ": " + k.Value
		switch k.Value {
		case "send":
			s, ok := d.str(v, what)
			if !ok {
				return tcp.Op{}, false
			}
			n, err := units.ParseSize(s)
			if err != nil {
				d.errAt(v, "send: %v", err)
				return tcp.Op{}, false
			}
			if n == 0 {
				d.errAt(v, "send: the size must be more than 0 bytes")
				return tcp.Op{}, false
			}
			return tcp.Op{Kind: tcp.OpSend, Size: n}, true
		case "read":
			s, ok := d.str(v, what)
			if !ok {
				return tcp.Op{}, false
			}
			switch s {
			case "eof":
				return tcp.Op{Kind: tcp.OpRead, Read: tcp.ReadEOF}, true
			case "available":
				return tcp.Op{Kind: tcp.OpRead, Read: tcp.ReadAvailable}, true
			}
			n, err := units.ParseSize(s)
			if err != nil || n == 0 {
				d.errAt(v, "read: %q is not a size, eof or available (e.g. {read: 100B})", s)
				return tcp.Op{}, false
			}
			return tcp.Op{Kind: tcp.OpRead, Read: tcp.ReadBytes, Size: n}, true
		case "sleep":
			if v.Kind == yaml.MappingNode {
				return d.randomSleep(v, side)
			}
			t, ok := d.duration(v, "sleep")
			if !ok {
				return tcp.Op{}, false
			}
			return tcp.Op{Kind: tcp.OpSleep, Duration: t}, true
		case "fork":
			return d.fork(v, st)
		case "shutdown":
			s, ok := d.str(v, what)
			if !ok {
				return tcp.Op{}, false
			}
			how := map[string]tcp.ShutdownHow{"write": tcp.ShutWrite, "read": tcp.ShutRead, "both": tcp.ShutBoth}[s]
			if how == 0 {
				d.errAt(v, "shutdown: %q is not write, read or both", s)
				return tcp.Op{}, false
			}
			return tcp.Op{Kind: tcp.OpShutdown, How: how}, true
		case "wait":
			s, ok := d.str(v, what)
			if !ok {
				return tcp.Op{}, false
			}
			if s != "eof" {
				d.errAt(v, "wait: only {wait: eof} is supported (block until the peer's FIN has been read)")
				return tcp.Op{}, false
			}
			return tcp.Op{Kind: tcp.OpWaitEOF}, true
		case "set":
			return d.setAction(v)
		}
		msg := "unknown action " + quote(k.Value)
		if s := suggest(k.Value, append(keys(scalarActions), mapActions...)); s != "" {
			msg += " (did you mean " + quote(s) + "?)"
		}
		d.errAt(k, "%s; a %s can do: %s, %s", msg, side, opener(side), actionHelp)
		return tcp.Op{}, false
	}
	d.errAt(a, "an action must be a name (close) or a name with an argument ({send: 100B})")
	return tcp.Op{}, false
}

// randomSleep decodes a sleep drawn from a distribution, in the forms of
// link.jitter: {dist: uniform, min: 0ms, max: 100ms} and so on.
func (d *decoder) randomSleep(v *yaml.Node, side string) (tcp.Op, bool) {
	what := side + ": sleep"
	var j netlink.Jitter
	n := len(d.e.list)
	d.jitter(v, what, &j)
	if len(d.e.list) > n {
		return tcp.Op{}, false
	}
	if err := j.Validate(); err != nil {
		d.errAt(v, "%s: %v", what, err)
		return tcp.Op{}, false
	}
	if j.Dist == netlink.JitterFixed {
		return tcp.Op{Kind: tcp.OpSleep, Duration: j.Value}, true
	}
	return tcp.Op{Kind: tcp.OpSleep, Dist: j}, true
}

var setKeys = []string{"quickack", "nodelay", "linger", "sigpipe"}

func (d *decoder) setAction(v *yaml.Node) (tcp.Op, bool) {
	op := tcp.Op{Kind: tcp.OpSet}
	fields := d.fields(v, "set", setKeys)
	if v.Kind == yaml.MappingNode && len(fields) == 0 && len(v.Content) == 0 {
		d.errAt(v, "set: name at least one option (quickack, nodelay, linger, sigpipe)")
		return op, false
	}
	for _, kv := range fields {
		k, x := kv[0].Value, kv[1]
		switch k {
		case "sigpipe":
			s, ok := d.str(x, "set.sigpipe")
			if !ok {
				return op, false
			}
			var ignore bool
			switch s {
			case "ignore":
				ignore = true
			case "terminate":
			default:
				d.errAt(x, "set.sigpipe: %s is not ignore or terminate (terminate, the default, lets a write that fails with EPIPE kill the process)", quote(s))
				return op, false
			}
			op.Set.SigpipeIgnore = &ignore
		case "quickack", "nodelay":
			b, ok := d.boolean(x, "set."+k)
			if !ok {
				return op, false
			}
			if k == "quickack" {
				op.Set.QuickAck = &b
			} else {
				op.Set.NoDelay = &b
			}
		case "linger":
			s, ok := d.str(x, "set.linger")
			if !ok {
				return op, false
			}
			if s == "off" || s == "false" {
				op.Set.Linger = &tcp.Linger{}
				continue
			}
			t, err := units.ParseDuration(s)
			if err != nil {
				d.errAt(x, "set.linger: %v, or off", err)
				return op, false
			}
			op.Set.Linger = &tcp.Linger{On: true, Timeout: t}
		}
	}
	return op, true
}

// quote writes a name from the file in double quotes with Go escapes, so
// that a key holding a newline or a control character stays on one line.
func quote(s string) string { return strconv.Quote(s) }

func keys(m map[string]tcp.OpKind) []string {
	out := make([]string, 0, len(m))
	for _, k := range []string{"connect", "accept", "close", "abort", "crash"} {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	return out
}
