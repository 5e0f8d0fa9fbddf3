//go:build unix

package writer

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestLockRefusesASecondRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	unlock, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(dir); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("second lock: %v, want ErrLocked naming the folder", err)
	}
	// Another process sees the same lock (flock is per open file, so this
	// also proves it is not only an in-process mutex).
	if out, err := exec.Command("flock", "-n", dir, "true").CombinedOutput(); err == nil {
		t.Errorf("flock(1) took the lock while it was held: %s", out)
	} else if _, ok := err.(*exec.ExitError); !ok {
		t.Logf("flock(1) not available: %v", err)
	}
	unlock()
	unlock2, err := Lock(dir)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock2()
}
