package main

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/scenarios"
	"github.com/emu-sim/emu/tcp"
)

var schemaCmd = &command{
	name:    "schema",
	summary: "print a JSON Schema of scenario files, for editors",
	help: `Prints a JSON Schema (draft-07) of the scenario format, built from the tables
the loader uses: with it, editors that speak the YAML language server complete
keys, show what each one means and mark unknown keys and malformed values.
Save it next to your scenarios and name it on a scenario's first line:

  # yaml-language-server: $schema=emu-scenario.schema.json

The schema checks the form of each value; 'emu validate' checks the rest
(ranges, actions a side cannot do, vars, sweep keys).

Example:
  emu schema > emu-scenario.schema.json
`,
}

func init() {
	schemaCmd.run = cmdSchema
}

// schema is one JSON Schema object. encoding/json writes a map's keys
// sorted, so the printed schema never depends on map order.
type schema = map[string]any

// ref points at a definition of the schema.
func ref(name string) schema { return schema{"$ref": "#/definitions/" + name} }

// orVar accepts a value of the given forms or a ${var} reference, which the
// loader substitutes before it reads the value.
func orVar(forms ...schema) schema {
	return schema{"anyOf": append(forms, ref("var"))}
}

func enum(values ...string) schema {
	v := make([]any, len(values))
	for i, s := range values {
		v[i] = s
	}
	return schema{"enum": v}
}

func integer(lo, hi int64) schema {
	return orVar(schema{"type": "integer", "minimum": lo, "maximum": hi},
		schema{"type": "string", "pattern": `^\s*[0-9]+\s*$`})
}

func described(s schema, doc string) schema {
	if _, isRef := s["$ref"]; isRef {
		// draft-07 ignores the siblings of $ref.
		return schema{"allOf": []any{s}, "description": doc}
	}
	out := schema{}
	for k, v := range s {
		out[k] = v
	}
	out["description"] = doc
	return out
}

// object is a mapping of exactly the given keys, each with its schema.
func object(keys []string, shapes map[string]schema, where string, missing *[]string) schema {
	props := schema{}
	for _, k := range keys {
		s, ok := shapes[k]
		if !ok {
			*missing = append(*missing, where+k)
			s = schema{}
		}
		props[k] = s
	}
	return schema{"type": "object", "properties": props, "additionalProperties": false}
}

// definitions are the value forms of the scenario format (docs/scenarios.md,
// "Values and units"). Patterns follow internal/units' parsers.
func definitions() schema {
	return schema{
		"var": schema{"type": "string", "pattern": `\$\{[^}]*\}`, "description": "a ${var} reference"},
		"duration": orVar(
			schema{"type": "string", "pattern": `^\s*(0|([0-9]*\.?[0-9]+(ns|us|µs|μs|ms|s|m|h))+)\s*$`},
			schema{"type": "integer", "enum": []any{0}}),
		"size": orVar(
			schema{"type": "integer", "minimum": 0},
			schema{"type": "string", "pattern": `^\s*[0-9]*\.?[0-9]+([eE][+-]?[0-9]+)?\s*(KiB|MiB|GiB|KB|MB|GB|kB|B)?\s*$`}),
		"rate": orVar(schema{"type": "string", "pattern": `^\s*[0-9]*\.?[0-9]+([eE][+-]?[0-9]+)?\s*(Gbit|Mbit|Kbit|kbit|bit|Gbps|Mbps|Kbps|kbps|bps)\s*$`}),
		"probability": orVar(schema{"type": "number", "minimum": 0, "maximum": 1},
			schema{"type": "string", "pattern": `^\s*[0-9]*\.?[0-9]+([eE][+-]?[0-9]+)?\s*$`}),
		"boolean": orVar(schema{"type": "boolean"}, enum("true", "false", "True", "False", "TRUE", "FALSE", "yes", "no", "on", "off")),
		"tcpBoolean": orVar(schema{"type": "boolean"}, schema{"type": "integer", "enum": []any{0, 1}},
			enum("true", "false", "True", "False", "TRUE", "FALSE", "t", "f", "T", "F", "1", "0")),
		"profile": orVar(enum(tcp.ProfileNames...)),
		"distribution": schema{
			"type":     "object",
			"required": []any{"dist"},
			"properties": schema{
				"dist": orVar(enum(string(netlink.JitterFixed), string(netlink.JitterUniform), string(netlink.JitterNormal),
					string(netlink.JitterExponential), string(netlink.JitterPareto))),
				"value":  ref("duration"),
				"min":    ref("duration"),
				"max":    ref("duration"),
				"mean":   ref("duration"),
				"stddev": ref("duration"),
				"scale":  ref("duration"),
				"shape":  orVar(schema{"type": "number", "exclusiveMinimum": 0}),
			},
			"additionalProperties": false,
			"description":          "a distribution: fixed (value), uniform (min, max), normal (mean, stddev), exponential (mean), pareto (scale, shape)",
		},
		"scalar": schema{"type": []any{"string", "number", "integer", "boolean"}},
	}
}

// scenarioSchema builds the schema from the loader's tables. missing lists
// the keys of those tables that have no schema here (a key added to the
// loader since): the tests insist that it is empty.
func scenarioSchema() (schema, []string) {
	var missing []string
	tables := map[string][]string{}
	for _, t := range scenarios.KeyTables() {
		tables[t.Path] = t.Keys
	}
	defs := definitions()
	shapeOf := func(name string, keys []string, shapes map[string]schema) schema {
		return object(keys, shapes, name+".", &missing)
	}

	defs["loss"] = orVar(ref("probability"), shapeOf("link.loss", tables["link.loss"], map[string]schema{
		"model":     orVar(enum(string(netlink.LossBernoulli), string(netlink.LossGilbertElliott))),
		"p":         described(ref("probability"), "bernoulli: loss probability; gilbert-elliott: good to bad"),
		"r":         described(ref("probability"), "gilbert-elliott: bad to good"),
		"bad_loss":  described(ref("probability"), "gilbert-elliott: loss in the bad state (default 1)"),
		"good_loss": described(ref("probability"), "gilbert-elliott: loss in the good state (default 0)"),
	}))
	for _, k := range tables["link.jitter"] {
		if _, ok := defs["distribution"].(schema)["properties"].(schema)[k]; !ok {
			missing = append(missing, "link.jitter."+k)
		}
	}
	direction := map[string]schema{
		"delay":   described(ref("duration"), "one-way propagation delay"),
		"jitter":  described(schema{"anyOf": []any{ref("duration"), ref("distribution")}}, "extra delay per packet: a duration (uniform from 0) or a distribution"),
		"loss":    described(ref("loss"), "a probability, or {model: gilbert-elliott, p, r, bad_loss, good_loss}"),
		"rate":    described(ref("rate"), "serialisation rate, e.g. 10Mbit; omitted = unlimited"),
		"queue":   described(integer(1, 1_000_000), "drop-tail queue in packets (default 1000)"),
		"mtu":     described(integer(68, 65535), "largest packet in bytes (default 1500)"),
		"reorder": described(ref("boolean"), "let jitter reorder packets"),
	}
	defs["direction"] = shapeOf("link.forward", tables["link.forward"], direction)
	link := map[string]schema{"forward": described(ref("direction"), "client to server only"), "reverse": described(ref("direction"), "server to client only")}
	for k, v := range direction {
		link[k] = v
	}
	defs["link"] = shapeOf("link", tables["link"], link)

	defs["connections"] = schema{"anyOf": []any{integer(1, scenarios.MaxConnections), shapeOf("connections", tables["connections"], map[string]schema{
		"count":    described(integer(1, scenarios.MaxConnections), "client programs to start"),
		"every":    described(ref("duration"), "gap between starts (mean gap with poisson arrivals)"),
		"arrivals": orVar(enum("fixed", "poisson")),
		"sample":   described(ref("duration"), "states.csv interval (default 1s, at least 1ms)"),
	})}}
	defs["host"] = shapeOf("host", tables["host"], map[string]schema{
		"port_range":     described(orVar(schema{"type": "string", "pattern": `^\s*[0-9]+\s*-\s*[0-9]+\s*$`}), "ephemeral ports, e.g. 32768-60999"),
		"tw_reuse":       described(integer(0, 2), "tcp_tw_reuse: 0 off, 1 on, 2 loopback only (default)"),
		"max_tw_buckets": described(integer(0, 1<<30), "most TIME_WAIT sockets a host keeps"),
		"wakeup_latency": described(schema{"anyOf": []any{ref("duration"), ref("distribution")}}, "delay of every process wake-up on a loaded host: a duration (uniform from 0) or a distribution"),
	})
	settings := map[string]schema{}
	for _, s := range scenarios.TCPSettingInfos() {
		var v schema
		switch s.Kind {
		case "bool":
			v = ref("tcpBoolean")
		case "duration":
			v = ref("duration")
		case "int":
			v = integer(0, 1<<30)
		case "size":
			v = ref("size")
		case "enum":
			v = orVar(enum(s.Enum...))
		case "probability":
			v = ref("probability")
		default:
			missing = append(missing, "tcp."+s.Name+" (form "+s.Kind+")")
			continue
		}
		settings[s.Name] = described(v, s.Doc)
	}
	defs["tcp"] = shapeOf("tcp", tables["tcp"], settings)
	defs["set"] = shapeOf("set", tables["set"], map[string]schema{
		"quickack": described(ref("boolean"), "TCP_QUICKACK"),
		"nodelay":  described(ref("boolean"), "TCP_NODELAY"),
		"linger":   described(schema{"anyOf": []any{ref("duration"), enum("off", "false"), schema{"type": "boolean", "enum": []any{false}}}}, "SO_LINGER: 0s makes close() an abort; off"),
		"sigpipe":  described(orVar(enum("ignore", "terminate")), "SIGPIPE kills the process (terminate, the default) or the write fails with EPIPE (ignore)"),
	})
	defs["action"] = actionSchema(&missing)
	defs["do"] = schema{"type": "array", "items": ref("action"), "minItems": 1}
	defs["side"] = shapeOf("client", tables["client"], map[string]schema{
		"profile": described(ref("profile"), "this side's own TCP profile"),
		"tcp":     described(ref("tcp"), "overrides of the profile (emu show-profile NAME lists them)"),
		"host":    described(ref("host"), "Linux host settings"),
		"do":      described(ref("do"), "the program: connect (client) or accept (server), then actions"),
		"listen":  described(ref("boolean"), "server: false means no listening socket (SYNs answered with RST)"),
	})
	rangeShape := shapeOf("range", tables["range"], map[string]schema{
		"from": ref("scalar"), "to": ref("scalar"), "step": ref("scalar"),
	})
	rangeShape["required"] = []any{"from", "to", "step"}

	top := shapeOf("", tables[""], map[string]schema{
		"name":        described(schema{"type": "string", "pattern": `^[a-z0-9-]+$`}, "names the output folder: lower-case letters, digits and -"),
		"description": described(schema{"type": "string"}, "what the scenario shows"),
		"seed":        described(orVar(schema{"type": "integer", "minimum": 0}, schema{"type": "string", "pattern": `^\s*[0-9]+\s*$`}), "run k of point p uses a seed derived from (seed, p, k)"),
		"runs":        described(integer(1, 100_000_000), "runs per sweep point (default 100)"),
		"stop_after":  described(ref("duration"), "virtual-time horizon of one run (default 5m)"),
		"max_events":  described(integer(1000, 1<<40), "event budget of one run (default 10000000)"),
		"profile":     described(ref("profile"), "TCP defaults of both sides (default linux)"),
		"link":        described(ref("link"), "the link: delay, jitter, loss, rate, queue, mtu; forward/reverse override one direction"),
		"connections": described(ref("connections"), "connections per run: a number or {count, every, arrivals, sample}"),
		"vars": described(schema{"type": "object", "additionalProperties": ref("scalar"),
			"propertyNames": schema{"pattern": `^[A-Za-z_][A-Za-z0-9_]*$`}}, "values used as ${name}"),
		"client": described(ref("side"), "the connecting side"),
		"server": described(ref("side"), "the accepting side"),
		"sweep": described(schema{"type": "object", "additionalProperties": schema{"anyOf": []any{
			schema{"type": "array", "items": ref("scalar"), "minItems": 1}, rangeShape}}},
			"keys (vars or dotted paths such as link.loss) to lists or {from, to, step} ranges"),
	})
	top["$schema"] = "http://json-schema.org/draft-07/schema#"
	top["title"] = "emu scenario"
	top["description"] = "A scenario of emu, the TCP teardown emulator (docs/scenarios.md)"
	top["required"] = []any{"name", "client", "server"}
	top["definitions"] = defs
	sort.Strings(missing)
	return top, missing
}

// actionSchema is one entry of a do: list: a bare action name, or a
// mapping of one action name to its argument.
func actionSchema(missing *[]string) schema {
	args := map[string]schema{
		"send":     described(ref("size"), "bytes to write"),
		"read":     described(schema{"anyOf": []any{enum("eof", "available"), ref("size")}}, "bytes to read, eof or available"),
		"sleep":    described(schema{"anyOf": []any{ref("duration"), ref("distribution")}}, "a duration, or a distribution drawn in every run"),
		"shutdown": orVar(enum("write", "read", "both")),
		"set":      described(ref("set"), "socket options"),
		"wait":     enum("eof"),
		"fork":     described(ref("do"), "the child's actions; it shares the parent's sockets"),
	}
	var bare []string
	forms := []any{}
	for _, a := range scenarios.Actions() {
		if !scenarios.ActionTakesArgument(a) {
			bare = append(bare, a)
			continue
		}
		arg, ok := args[a]
		if !ok {
			*missing = append(*missing, "action "+a)
			arg = schema{}
		}
		forms = append(forms, schema{"type": "object", "properties": schema{a: arg}, "required": []any{a}, "additionalProperties": false})
	}
	return schema{"anyOf": append([]any{enum(bare...)}, forms...)}
}

// cmdSchema runs emu schema.
func cmdSchema(e *env, args []string) error {
	fs := newFlags(e, schemaCmd)
	pos, err := parseFlags(e, schemaCmd, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return badInput("emu schema takes no arguments")
	}
	s, missing := scenarioSchema()
	if len(missing) > 0 {
		return fmt.Errorf("emu schema: no schema for %v", missing)
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("emu schema: %w", err)
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", b)
	return err
}
