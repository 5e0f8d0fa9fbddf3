package cli

import (
	"fmt"
	"strings"
	"testing"
)

// projectRepo is a repository of n Go services under services/, with an
// answers file listing them all.
func projectRepo(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	var answers strings.Builder
	answers.WriteString("version: 1\nproject: fleet\nservices:\n")
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("svc%03d", i)
		fmt.Fprintf(&answers, "  %s:\n    dir: services/%s\n    service:\n      port: %d\n", name, name, 10000+i)
		writeFile(b, dir, "services/"+name+"/go.mod", "module example.com/fleet/"+name+"\n\ngo 1.24\n")
	}
	writeFile(b, dir, "obsgen.yaml", answers.String())
	return dir
}

// BenchmarkProject measures the first generate of a repository of 1, 10
// and 100 services (every file created) and a generate that finds
// everything up to date, through the command line as users run it.
func BenchmarkProject(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("services=%d/first", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir := projectRepo(b, n)
				b.StartTimer()
				mustRun(b, 0, dir, "generate", "--skip-go-get")
			}
		})
		b.Run(fmt.Sprintf("services=%d/noop", n), func(b *testing.B) {
			dir := projectRepo(b, n)
			mustRun(b, 0, dir, "generate", "--skip-go-get")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if out := mustRun(b, 0, dir, "generate", "--skip-go-get"); !strings.Contains(out, "nothing to do") {
					b.Fatalf("second generate changed files:\n%s", out)
				}
			}
		})
	}
}
