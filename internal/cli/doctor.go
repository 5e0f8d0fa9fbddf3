package cli

import (
	"context"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/obsgen/obsgen/internal/doctor"
)

// Exit codes of doctor; docs/doctor.md documents them.
const (
	ExitUnhealthy   = 6 // doctor: a check failed
	ExitUnreachable = 7 // doctor: nothing answers at any URL (the stack is not running)
)

func newDoctorCmd(g *globalOptions, streams IO) *cobra.Command {
	var (
		urls       [6]string
		timeout    time.Duration
		lokiTenant string
	)
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Prove against the running stack that metrics, rules, alerts, logs, traces and dashboards arrive",
		Long: `doctor reads obsgen.yaml and asks the running stack's backends (the local
compose stack's published ports unless URL flags say otherwise) whether each
signal of the service arrives: the scrape target, the contract's metrics,
the rules, Alertmanager's configuration, logs with trace IDs in Loki, a trace
in the trace backend, the Grafana dashboard. It sends nothing and writes
nothing. An empty URL skips that backend's checks. Exit 0: all passed;
6: a check failed; 7: nothing answers at any URL. Credentials of a remote
stack come from the environment: OBSGEN_DOCTOR_<BACKEND>_TOKEN, or _USER and
_PASSWORD, for PROMETHEUS, LOKI, TRACES, ALERTMANAGER and GRAFANA. See
docs/doctor.md.`,
		Example: `  obsgen doctor
  obsgen doctor -o json
  obsgen doctor --grafana-url= --prometheus-url https://prometheus.internal`,
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.StringVar(&urls[0], "prometheus-url", "", "Prometheus' base URL (default: the compose stack's)")
	f.StringVar(&urls[1], "loki-url", "", "Loki's base URL (default: the compose stack's)")
	f.StringVar(&urls[2], "jaeger-url", "", "Jaeger's query URL, when the answers choose Jaeger (default: the compose stack's)")
	f.StringVar(&urls[3], "tempo-url", "", "Tempo's URL, when the answers choose Tempo (default: the compose stack's)")
	f.StringVar(&urls[4], "alertmanager-url", "", "Alertmanager's base URL (default: the compose stack's)")
	f.StringVar(&urls[5], "grafana-url", "", "Grafana's base URL (default: the compose stack's)")
	f.DurationVar(&timeout, "timeout", 5*time.Second, "the longest one check waits for its backend")
	f.StringVar(&lokiTenant, "loki-tenant", "", "Loki's tenant (X-Scope-OrgID) for a multi-tenant Loki (default: kubernetes.loki_tenant)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := g.check(); err != nil {
			return err
		}
		p, _, err := g.fromAnswers(nil)
		if err != nil {
			return err
		}
		s := p.Stack()
		if timeout <= 0 {
			return usageErrorf("--timeout %s: give a positive duration, e.g. 5s", timeout)
		}
		e := doctor.DefaultEndpoints(s)
		// A flag given (even empty) replaces the default; empty skips.
		set := func(name string, v string, dst *string) {
			if cmd.Flags().Changed(name) {
				*dst = v
			}
		}
		set("prometheus-url", urls[0], &e.Prometheus)
		set("loki-url", urls[1], &e.Loki)
		if s.Tracing.Backend == "tempo" {
			set("tempo-url", urls[3], &e.Traces)
		} else {
			set("jaeger-url", urls[2], &e.Traces)
		}
		set("alertmanager-url", urls[4], &e.Alertmanager)
		set("grafana-url", urls[5], &e.Grafana)
		if !cmd.Flags().Changed("loki-tenant") {
			lokiTenant = s.Kubernetes.LokiTenant
		}
		rep := doctor.Run(context.Background(), p.Specs(), doctor.Options{
			Endpoints: e, Timeout: timeout, LokiTenant: lokiTenant,
			// Credentials only from the environment: never in a flag.
			Auth: doctor.AuthFromEnv(os.Getenv),
		})
		if rep.NothingRuns() {
			if g.Output == "json" {
				if err := doctor.WriteJSON(streams.Out, rep); err != nil {
					return err
				}
			}
			return &exitError{code: ExitUnreachable, err: errString(rep.Unreachable())}
		}
		write := doctor.WriteTable
		if g.Output == "json" {
			write = doctor.WriteJSON
		}
		if err := write(streams.Out, rep); err != nil {
			return err
		}
		if rep.Failed() {
			return &exitError{code: ExitUnhealthy, err: errSilent}
		}
		return nil
	}
	return cmd
}

type errString string

func (e errString) Error() string { return string(e) }
