package scenarios

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// yamlErrorPos finds where a yaml.v3 syntax error is: the line the error
// names, or, for the errors its reader raises without a line (a control
// character, NUL, invalid UTF-8, an unknown anchor), the offending byte
// itself, found in data.
func yamlErrorPos(data []byte, err error) (line, col int, msg string) {
	line, msg = yamlErrorLine(err)
	raw := strings.TrimPrefix(err.Error(), "yaml: ")
	off := -1
	switch {
	case strings.Contains(raw, "control characters are not allowed"):
		off = firstUnprintable(data)
	case strings.Contains(raw, "UTF-8") || strings.Contains(raw, "Unicode character"):
		off = firstInvalidUTF8(data)
	case strings.HasPrefix(raw, "unknown anchor '"):
		name := strings.TrimSuffix(strings.TrimPrefix(raw, "unknown anchor '"), "' referenced")
		msg = "YAML syntax: unknown anchor " + quote(name) + " referenced (define it with &" + name + " before using *" + name + ")"
		if m := regexp.MustCompile(`\*` + regexp.QuoteMeta(name) + `([\s,\]\}]|$)`).FindIndex(data); m != nil {
			off = m[0]
		}
	}
	if off < 0 {
		return line, 1, msg
	}
	if off < len(data) {
		r, _ := utf8.DecodeRune(data[off:])
		if r == utf8.RuneError || r < 0x20 || r == 0x7f {
			msg += " (byte " + quoteByte(data[off]) + ")"
		}
	}
	line, col = bytePos(data, off)
	return line, col, msg
}

// firstUnprintable returns the offset of the first character YAML does not
// allow (YAML 1.2 c-printable: tab, line breaks, and printable Unicode), or
// -1. A byte-order mark at the start is allowed.
func firstUnprintable(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		ok := r == 0x09 || r == 0x0A || r == 0x0D || (r >= 0x20 && r <= 0x7E) || r == 0x85 ||
			(r >= 0xA0 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
		if r == utf8.RuneError && n == 1 {
			ok = false
		}
		if r == 0xFEFF && i == 0 {
			ok = true
		}
		if !ok {
			return i
		}
		i += n
	}
	return -1
}

// firstInvalidUTF8 returns the offset of the first byte that does not
// start a valid UTF-8 sequence, or -1.
func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// bytePos turns a byte offset into a 1-based line and column, counting
// lines as YAML does (\n, \r\n, or a lone \r) and columns in characters.
func bytePos(data []byte, off int) (line, col int) {
	line, col = 1, 1
	for i := 0; i < off && i < len(data); {
		switch data[i] {
		case '\n':
			line, col = line+1, 1
			i++
			continue
		case '\r':
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
				continue
			}
			line, col = line+1, 1
			i++
			continue
		}
		_, n := utf8.DecodeRune(data[i:])
		i += n
		col++
	}
	return line, col
}

func quoteByte(b byte) string {
	const hex = "0123456789abcdef"
	return "0x" + string(hex[b>>4]) + string(hex[b&15])
}
