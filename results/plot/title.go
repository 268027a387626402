package plot

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/emu-sim/emu/internal/input"
)

// scenarioName returns the scenario's name from DIR/summary.json, or the
// folder's name without it.
func scenarioName(s *Sweep) string {
	var sj struct {
		Scenario struct {
			Name string `json:"name"`
		} `json:"scenario"`
	}
	if b, err := input.ReadFile(filepath.Join(s.Dir, "summary.json"), input.Regular, 2<<30); err == nil && json.Unmarshal(b, &sj) == nil && sj.Scenario.Name != "" {
		return sj.Scenario.Name
	}
	return s.Name
}

// fixedParams describes what a sweep held fixed, for the line under a
// plot's title: the profile, the link's delay, loss, rate and jitter when
// no sweep key changes them and every point has the same, sweep keys with a
// single value, and the runs per point. It reads DIR/summary.json; without
// it (a summary.csv copied alone) only what summary.csv tells.
func fixedParams(s *Sweep) string {
	var parts []string
	var sj struct {
		Scenario struct {
			Points []struct {
				Config struct {
					Profile string `json:"profile"`
					Link    struct {
						Forward, Reverse linkJSON
					} `json:"link"`
					Client, Server struct {
						Profile string `json:"profile"`
					}
				} `json:"config"`
			} `json:"points"`
		} `json:"scenario"`
	}
	swept := func(prefix ...string) bool {
		return slices.ContainsFunc(s.Keys, func(k string) bool {
			for _, p := range prefix {
				if k == p || strings.HasPrefix(k, p+".") || strings.HasSuffix(k, "."+p) {
					return true
				}
			}
			return false
		})
	}
	if b, err := input.ReadFile(filepath.Join(s.Dir, "summary.json"), input.Regular, 2<<30); err == nil && json.Unmarshal(b, &sj) == nil && len(sj.Scenario.Points) > 0 {
		pts := sj.Scenario.Points
		// same returns f's value if every point has the same one.
		same := func(f func(i int) string) (string, bool) {
			v := f(0)
			for i := range pts {
				if f(i) != v {
					return "", false
				}
			}
			return v, v != ""
		}
		if !swept("profile") {
			c, okc := same(func(i int) string { return pts[i].Config.Client.Profile })
			sv, oks := same(func(i int) string { return pts[i].Config.Server.Profile })
			switch {
			case okc && oks && c == sv:
				parts = append(parts, "profile "+c)
			case okc && oks:
				parts = append(parts, "client "+c+", server "+sv)
			}
		}
		link := func(name string, f func(l linkJSON) string, skip string) {
			if swept(name) {
				return
			}
			fw, ok1 := same(func(i int) string { return f(pts[i].Config.Link.Forward) })
			rv, ok2 := same(func(i int) string { return f(pts[i].Config.Link.Reverse) })
			switch {
			case !ok1 || !ok2 || fw == skip && rv == skip:
			case fw == rv:
				parts = append(parts, name+" "+fw+" each way")
			default:
				parts = append(parts, name+" "+fw+" out, "+rv+" back")
			}
		}
		link("delay", func(l linkJSON) string { return l.Delay }, "0s")
		link("loss", func(l linkJSON) string { return string(l.Loss) }, "0")
		link("rate", func(l linkJSON) string { return l.Rate }, "unlimited")
		link("jitter", func(l linkJSON) string { return string(l.Jitter) }, "null")
	}
	for k, key := range s.Keys {
		v := s.Rows[0].Values[k]
		if !slices.ContainsFunc(s.Rows, func(r Row) bool { return r.Values[k] != v }) && len(s.Rows) > 1 {
			parts = append(parts, key+"="+v)
		}
	}
	runs := s.Rows[0].Runs
	// emu classify's rows are capture files, and their runs connections.
	files := len(s.Keys) == 1 && s.Keys[0] == "file"
	if !files && !slices.ContainsFunc(s.Rows, func(r Row) bool { return r.Runs != runs }) {
		if runs == 1 {
			parts = append(parts, "1 run per point")
		} else {
			parts = append(parts, fmt.Sprintf("%d runs per point", runs))
		}
	}
	return strings.Join(parts, ", ")
}

// linkJSON is one direction of a link as summary.json records it; loss
// and jitter may be numbers, strings or objects, kept as their JSON text.
type linkJSON struct {
	Delay  string          `json:"delay"`
	Loss   json.RawMessage `json:"loss"`
	Rate   string          `json:"rate"`
	Jitter json.RawMessage `json:"jitter"`
}
