package doctor

import (
	"net/http"
	"strings"
)

// Backends by the key of their credentials (Options.Auth) and of the
// environment variables AuthFromEnv reads.
const (
	BackendPrometheus   = "prometheus"
	BackendLoki         = "loki"
	BackendTraces       = "traces"
	BackendAlertmanager = "alertmanager"
	BackendGrafana      = "grafana"
)

var backends = []string{BackendPrometheus, BackendLoki, BackendTraces, BackendAlertmanager, BackendGrafana}

// Auth is how doctor authenticates to one backend of a remote stack: a
// bearer token (a Grafana service account token, an OAuth proxy's token)
// or basic auth. Credentials come from the environment, never from flags
// or files, so they stay out of shell history and of the answers.
type Auth struct {
	Token          string
	User, Password string
}

func (a Auth) set(h http.Header) {
	switch {
	case a.Token != "":
		h.Set("Authorization", "Bearer "+a.Token)
	case a.User != "":
		r := http.Request{Header: h}
		r.SetBasicAuth(a.User, a.Password)
	}
}

// EnvPrefix names a backend's credential variables:
// <prefix>_TOKEN, <prefix>_USER and <prefix>_PASSWORD.
func EnvPrefix(backend string) string { return "OBSGEN_DOCTOR_" + strings.ToUpper(backend) }

// AuthFromEnv reads each backend's credentials with getenv (os.Getenv).
func AuthFromEnv(getenv func(string) string) map[string]Auth {
	out := map[string]Auth{}
	for _, b := range backends {
		p := EnvPrefix(b)
		a := Auth{Token: getenv(p + "_TOKEN"), User: getenv(p + "_USER"), Password: getenv(p + "_PASSWORD")}
		if a != (Auth{}) {
			out[b] = a
		}
	}
	return out
}

// authHint says how to give credentials when a backend refuses doctor's
// request.
func authHint(backend string) string {
	p := EnvPrefix(backend)
	return "give doctor credentials: " + p + "_TOKEN (a bearer token) or " + p + "_USER and " + p + "_PASSWORD in the environment"
}
