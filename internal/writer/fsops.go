package writer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
)

// tempPrefix starts the name of every temp file obsgen writes; the go tool
// ignores files starting with a dot, and the next run removes leftovers.
const tempPrefix = ".obsgen-tmp-"

var tmpCounter atomic.Uint64

// applier makes every change to disk, each atomic, asking hook first.
type applier struct {
	root *os.Root
	hook func(op string) error
}

func (a *applier) step(op string) error {
	if a.hook == nil {
		return nil
	}
	return a.hook(op)
}

// writeAtomic writes data to name via a temp file in the same folder and a
// rename, so readers and crashes see the old file or the new, never a part.
func (a *applier) writeAtomic(name string, data []byte, mode fs.FileMode) error {
	if mode == 0 {
		mode = 0o644
	}
	dir := path.Dir(name)
	if err := a.root.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	tmp := path.Join(dir, tempPrefix+strconv.Itoa(os.Getpid())+"-"+strconv.FormatUint(tmpCounter.Add(1), 10))
	f, err := a.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = a.root.Chmod(tmp, mode)
	}
	if werr == nil {
		// A crash here leaves the temp file behind, never a partial name.
		if err := a.step("write " + name); err != nil {
			return err
		}
		werr = a.root.Rename(tmp, name)
	}
	if werr != nil {
		_ = a.root.Remove(tmp)
		return fmt.Errorf("writing %s: %w", name, werr)
	}
	return nil
}

// rename moves a file, creating the target's folder.
func (a *applier) rename(from, to string) error {
	if err := a.step("rename " + from); err != nil {
		return err
	}
	if err := a.root.MkdirAll(path.Dir(to), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", path.Dir(to), err)
	}
	if err := a.root.Rename(from, to); err != nil {
		return fmt.Errorf("moving %s to %s: %w", from, to, err)
	}
	a.prune(path.Dir(from))
	return nil
}

// remove deletes a file and the folders it leaves empty.
func (a *applier) remove(name string) error {
	if err := a.step("remove " + name); err != nil {
		return err
	}
	if err := a.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", name, err)
	}
	a.prune(path.Dir(name))
	return nil
}

func (a *applier) removeAll(name string) error {
	if _, err := a.root.Lstat(name); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := a.step("remove " + name); err != nil {
		return err
	}
	if err := a.root.RemoveAll(name); err != nil {
		return fmt.Errorf("removing %s: %w", name, err)
	}
	a.prune(path.Dir(name))
	return nil
}

// prune removes dir and its parents while they are empty. Removing a
// folder that is not empty fails, which is where it stops.
func (a *applier) prune(dir string) {
	for dir != "." && dir != "/" && a.root.Remove(dir) == nil {
		dir = path.Dir(dir)
	}
}

// findTemps lists the temp files a killed run left in dir.
func findTemps(root *os.Root, dir string) ([]string, error) {
	if root == nil {
		return nil, nil
	}
	f, err := root.Open(dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, tempPrefix) {
			out = append(out, path.Join(dir, n))
		}
	}
	sort.Strings(out)
	return out, nil
}
