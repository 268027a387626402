package scenarios

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Error is one problem in a scenario file, at a line and column.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

// Error formats the problem as file:line:col: message.
func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// ErrorList is every problem found in a file, in file order. Its Error
// prints one "file:line:col: message" line per problem.
type ErrorList []*Error

// maxErrors bounds the problems printed for one file: a generated file
// can hold millions of mistakes, and the first fifty say what is wrong.
const maxErrors = 50

// Error prints one file:line:col: message line per problem, at most
// maxErrors of them, then how many more there are.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i == maxErrors {
			fmt.Fprintf(&b, "\n%s: ... and %d more", e.File, len(l)-maxErrors)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// errs collects errors while a file is checked; the same message at the
// same place is kept once (a bad value can be seen from several sweep points).
type errs struct {
	file  string
	list  ErrorList
	seen  map[string]bool
	notes ErrorList // remarks that are not errors (see Scenario.Notes)
}

// noteAt records a remark about a valid file, once per place and text.
func (c *errs) noteAt(line, col int, format string, a ...any) {
	e := &Error{File: c.file, Line: line, Col: col, Msg: oneLine(fmt.Sprintf(format, a...))}
	k := "note " + e.Error()
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if !c.seen[k] {
		c.seen[k] = true
		c.notes = append(c.notes, e)
	}
}

func (c *errs) at(line, col int, format string, a ...any) {
	e := &Error{File: c.file, Line: line, Col: col, Msg: oneLine(fmt.Sprintf(format, a...))}
	k := e.Error()
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if c.seen[k] {
		return
	}
	c.seen[k] = true
	c.list = append(c.list, e)
}

// oneLine escapes line breaks in a message: a value quoted from the file
// (or formatted by another package) may hold one, and a second line would
// break the file:line:col: message format that editors and CI parse. Other
// control characters (an escape sequence in a ${...} name or a --set value
// would drive the terminal) and invalid UTF-8 are escaped as \xNN.
func oneLine(s string) string {
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r == utf8.RuneError && n == 1) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r == utf8.RuneError && n == 1):
			for _, c := range []byte(s[i : i+n]) {
				fmt.Fprintf(&b, `\x%02x`, c)
			}
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func (c *errs) err() error {
	if len(c.list) == 0 {
		return nil
	}
	sort.SliceStable(c.list, func(i, j int) bool {
		a, b := c.list[i], c.list[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return c.list
}
