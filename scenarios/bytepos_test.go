package scenarios

import "testing"

// TestBytePositions: errors the YAML reader raises without a line (control
// characters, NUL, invalid UTF-8, an unknown anchor) point at the byte; an
// empty file is at 1:1. They were all at 1:1 (or without a position).
func TestBytePositions(t *testing.T) {
	cases := []struct {
		src, want string
	}{
		{"name: x\nde: \x01\n", "f.yaml:2:5: YAML syntax: control characters are not allowed (byte 0x01)"},
		{"name: x\nd: a\x00b\n", "f.yaml:2:5: YAML syntax: control characters are not allowed (byte 0x00)"},
		{"name: x\nd: é\x7f\n", "f.yaml:2:5: YAML syntax: control characters are not allowed (byte 0x7f)"},
		{"name: x\r\nd: \xff\xfe\n", "f.yaml:2:4: YAML syntax: invalid leading UTF-8 octet (byte 0xff)"},
		{"name: x\nd: ab\xc2\n", "f.yaml:2:6: YAML syntax: invalid trailing UTF-8 octet (byte 0xc2)"},
		{"name: x\nd: {a: 1, b: *nope}\n", `f.yaml:2:14: YAML syntax: unknown anchor "nope" referenced (define it with &nope before using *nope)`},
		{"", "f.yaml:1:1: the file is empty: a scenario needs at least name:, client: and server:"},
		{"# just a comment\n", "f.yaml:1:1: the file is empty: a scenario needs at least name:, client: and server:"},
	}
	for _, c := range cases {
		_, err := Load("f.yaml", []byte(c.src))
		if err == nil || err.Error() != c.want {
			t.Errorf("%q:\n got %v\nwant %s", c.src, err, c.want)
		}
	}
}
