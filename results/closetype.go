package results

import (
	"fmt"
	"strings"
)

// CloseType is how a connection ended, one of the names of the contract's
// close_type column. The numeric order is the contract's order, which is
// also the column order of summary.csv.
type CloseType uint8

// The close types, in contract order.
const (
	ThreeWay     CloseType = iota // FIN, FIN+ACK, ACK
	FourWay                       // FIN, ACK, FIN, ACK
	Simultaneous                  // both FINs sent before either arrived
	RST                           // RST from a side that had sent no FIN
	FinRST                        // a FIN, then a RST ended the connection
	Timeout                       // no RST; a timer gave up
	Incomplete                    // not finished when the run ended
	NoConnect                     // never established

	// NumCloseTypes is the number of close types; it sizes per-type arrays.
	NumCloseTypes = int(NoConnect) + 1
)

var closeTypeNames = [NumCloseTypes]string{
	"three-way", "four-way", "simultaneous", "rst", "fin-rst", "timeout", "incomplete", "no-connect",
}

// CloseTypes returns every close type in contract order. Output code ranges
// over it rather than over a map so that column order is fixed.
func CloseTypes() []CloseType {
	ts := make([]CloseType, NumCloseTypes)
	for i := range ts {
		ts[i] = CloseType(i)
	}
	return ts
}

// String returns the contract name, e.g. "three-way".
func (t CloseType) String() string {
	if int(t) < NumCloseTypes {
		return closeTypeNames[t]
	}
	return fmt.Sprintf("CloseType(%d)", uint8(t))
}

// Column returns the name as used inside summary column names, with '-'
// written as '_' (e.g. "three_way" in frac_three_way), so that the columns
// are valid identifiers in R, pandas and SQL.
func (t CloseType) Column() string { return strings.ReplaceAll(t.String(), "-", "_") }

// ParseCloseType returns the close type with contract name s. Tools that
// read runs.csv back (merge, plot) need it.
func ParseCloseType(s string) (CloseType, error) {
	for i, n := range closeTypeNames {
		if n == s {
			return CloseType(i), nil
		}
	}
	return 0, fmt.Errorf("unknown close type %q", s)
}
