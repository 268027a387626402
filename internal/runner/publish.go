package runner

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CompleteFile marks a finished output folder: it is written last, after
// every output file of the run is in place, and removed first when a new
// run replaces them. A folder without it holds no complete output (a run
// killed while publishing, or a folder emu did not finish).
const CompleteFile = ".emu-complete"

// outputFiles are every file a run or merge publishes into its folder.
var outputFiles = []string{"runs.csv", StatesFile, "summary.csv", "summary.json", ShardFile, ScenarioFile, ResolvedFile, RecordFile}

// complete is what CompleteFile holds.
type complete struct {
	Fingerprint string   `json:"fingerprint,omitempty"`
	Files       []string `json:"files"`
}

// publish moves files, written whole in dir/PartialDir, into dir as one
// set: the completion marker and every output file of an earlier run are
// removed first, the new files renamed in, and the marker written last. A
// crash at any moment leaves either the earlier complete set, or a folder
// without the marker; never a marked folder that mixes two runs.
func publish(dir, fingerprint string, files []string) error {
	if err := removeIfExists(filepath.Join(dir, CompleteFile)); err != nil {
		return err
	}
	syncDir(dir)
	for _, f := range outputFiles {
		if err := removeIfExists(filepath.Join(dir, f)); err != nil {
			return err
		}
	}
	for _, f := range files {
		if err := os.Rename(filepath.Join(dir, PartialDir, f), filepath.Join(dir, f)); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	syncDir(dir)
	if err := writeJSON(filepath.Join(dir, CompleteFile), complete{Fingerprint: fingerprint, Files: files}); err != nil {
		return err
	}
	return os.RemoveAll(filepath.Join(dir, PartialDir))
}

// IsComplete reports whether dir holds a finished run's output set.
func IsComplete(dir string) bool {
	fi, err := os.Lstat(filepath.Join(dir, CompleteFile))
	return err == nil && fi.Mode().IsRegular()
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// syncDir fsyncs a directory so that renames and removals in it are
// durable; file systems that refuse are ignored.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
