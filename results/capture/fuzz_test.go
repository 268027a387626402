package capture

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead: any bytes either are not a capture (a NotCaptureError) or are
// read to their end or their damage without a panic, every connection
// classified with a close type of the contract.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "captures", "*.pcap*"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 4096 {
			f.Add(b)
		}
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := Read("fuzz", bytes.NewReader(data), Options{}, func(c *Connection) error {
			if c.Outcome.CloseType.String() == "" || int(c.Outcome.CloseType) >= 8 {
				t.Fatalf("close type %v", c.Outcome.CloseType)
			}
			Explain(c)
			ConnectionRecord(c)
			return nil
		})
		var nc *NotCaptureError
		if err != nil && !errors.As(err, &nc) {
			t.Fatalf("error %v is not a NotCaptureError", err)
		}
		if err == nil && st.Bytes > int64(len(data)) {
			t.Fatalf("read %d bytes of %d", st.Bytes, len(data))
		}
	})
}
