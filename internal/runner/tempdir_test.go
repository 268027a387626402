package runner

import (
	"os"
	"path/filepath"
)

var tempDirs []string

// mkTemp makes a folder that TestMain removes (rapid's *T has no TempDir).
func mkTemp() (string, error) {
	d, err := os.MkdirTemp("", "emu-runner-")
	if err == nil {
		tempDirs = append(tempDirs, d)
	}
	return d, err
}

func readAll(dir string) map[string][]byte {
	out := map[string][]byte{}
	for _, f := range []string{"runs.csv", "summary.csv", "summary.json"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		out[f] = b
	}
	return out
}
