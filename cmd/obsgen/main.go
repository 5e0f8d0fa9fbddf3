// Command obsgen generates production-grade observability code and config
// for a service: logging, Sentry, OpenTelemetry, Prometheus, Grafana, Loki
// and alerting.
package main

import (
	"os"

	"github.com/obsgen/obsgen/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.StdIO()))
}
