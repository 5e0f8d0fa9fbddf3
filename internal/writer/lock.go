package writer

import (
	"errors"
	"fmt"
	"os"
)

// ErrLocked means another obsgen run is writing to the same repository.
var ErrLocked = errors.New("another obsgen run is writing to this repository")

// Lock takes the repository's write lock for the rest of a run, creating
// dir when it does not exist yet. Two runs that plan and write the same
// files at once can interleave: one run's delete of a file the other just
// wrote leaves a tree that matches neither, while both exit 0. The second
// run fails at once with ErrLocked instead of waiting: a person started
// both and should know. The lock is held on the directory itself, so no
// lock file is left in the repository; the kernel releases it when the
// process ends, however it ends.
func Lock(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, ErrLocked) {
			return nil, fmt.Errorf("%s: %w: wait for it to finish, then run again", dir, ErrLocked)
		}
		return nil, fmt.Errorf("%s: taking the write lock: %w", dir, err)
	}
	return func() { f.Close() }, nil
}
