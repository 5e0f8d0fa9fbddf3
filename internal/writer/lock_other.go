//go:build !unix

package writer

import "os"

// lockFile is a no-op where flock does not exist (Windows): concurrent runs
// there are not detected, a limitation docs/regenerating.md names.
func lockFile(*os.File) error { return nil }
