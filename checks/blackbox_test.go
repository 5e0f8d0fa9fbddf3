package checks

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/obsgen/obsgen/generators/kubernetes"
	"github.com/obsgen/obsgen/generators/prometheus"
	"github.com/obsgen/obsgen/generators/rules"
	"github.com/obsgen/obsgen/internal/testtool"
)

// The blackbox exporter is Debian's prometheus-blackbox-exporter (0.23;
// its Go module is not served here); the compose stack runs the pinned
// upstream image with the same generated config.

// tlsServer serves 200 over TLS with a certificate for 127.0.0.1 that
// expires in validFor, and returns the CA file that trusts it.
func tlsServer(t *testing.T, validFor time.Duration) (*httptest.Server, string, time.Time) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	notAfter := time.Now().Add(validFor).Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, ca, notAfter
}

// startBlackbox runs the real exporter with the generated config; it
// trusts the CA file as a system root (Go reads SSL_CERT_FILE).
func startBlackbox(t *testing.T, cfg, ca string) string {
	t.Helper()
	bin := testtool.Require(t, "prometheus-blackbox-exporter")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var log bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+cfg, "--web.listen-address="+addr)
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+ca)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := "http://" + addr
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(base + "/-/healthy"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("blackbox exporter did not start:\n%s", log.String())
		}
	}
}

// probeOnce asks the exporter to probe target with module, as Prometheus'
// blackbox job does, and returns the samples of the result by name.
func probeOnce(t *testing.T, base, module, target string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(base + "/probe?" + url.Values{"module": {module}, "target": {target}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("probe %s %s: %s", module, target, resp.Status)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			if len(m.GetLabel()) == 0 && m.GetGauge() != nil {
				out[name] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

// A real blackbox exporter with the generated config, probing real HTTP
// and HTTPS servers: its results feed the generated alert expressions in
// promtool, so the alerts fire on what the exporter really says.
func TestBlackboxProbesFeedTheAlerts(t *testing.T) {
	promtool := testtool.Require(t, "promtool")
	sc := slackScenario(t)
	if sc.Spec.Alerts.ProbeURLs == "" || !sc.Spec.Alerts.ProbeRequireTLS {
		t.Fatalf("%s must probe public URLs with TLS required", sc.Name)
	}
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ok.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer broken.Close()
	https, ca, notAfter := tlsServer(t, 2*24*time.Hour)
	base := startBlackbox(t, sc.path(prometheus.BlackboxPath(sc.Spec)), ca)

	type probe struct {
		module, target string
		wantSuccess    float64
		fires          []string
	}
	probes := []probe{
		{prometheus.ModuleHealth, ok.URL + "/readyz", 1, nil},
		{prometheus.ModuleHealth, broken.URL + "/readyz", 0, []string{rules.AlertProbeFailing}},
		// TLS is required: a public URL answered in plain HTTP fails.
		{prometheus.ModulePublic, ok.URL + "/", 0, []string{rules.AlertProbeFailing}},
		{prometheus.ModulePublic, https.URL + "/", 1, []string{rules.AlertCertExpiresSoon, rules.AlertCertExpiring}},
	}
	alerts := map[string]rules.Alert{}
	for _, a := range rules.Alerts(sc.Spec) {
		alerts[a.Name] = a
	}
	now := time.Now()
	seen := map[string]bool{}
	var tests []map[string]any
	for _, p := range probes {
		got := probeOnce(t, base, p.module, p.target)
		for name := range got {
			seen[name] = true
		}
		if got["probe_success"] != p.wantSuccess {
			t.Errorf("%s %s: probe_success %v, want %v", p.module, p.target, got["probe_success"], p.wantSuccess)
		}
		// The labels Prometheus' blackbox job gives the probe's series.
		labels := fmt.Sprintf(`job=%q, instance=%q, module=%q, service=%q, environment=%q`,
			prometheus.ProbeJob, p.target, p.module, sc.Spec.Service.Name, sc.Spec.Service.Environment)
		var series []map[string]string
		for name, v := range got {
			if name == "probe_ssl_earliest_cert_expiry" {
				// promtool's clock starts at 0: keep the time left.
				if want := float64(notAfter.Unix()); v != want {
					t.Errorf("%s: certificate expiry %v, want the server's %v", p.target, v, want)
				}
				v -= float64(now.Unix())
			}
			series = append(series, map[string]string{"series": fmt.Sprintf("%s{%s}", name, labels), "values": fmt.Sprintf("%vx20", v)})
		}
		var exprTests []map[string]any
		for _, name := range []string{rules.AlertProbeFailing, rules.AlertCertExpiresSoon, rules.AlertCertExpiring} {
			// The alert's condition, evaluated over the real results; an
			// empty result means it does not fire.
			samples := []map[string]any{}
			if slices.Contains(p.fires, name) {
				// A comparison keeps the metric name, a subtraction drops it.
				metric, value := "probe_success", 0.0
				if name != rules.AlertProbeFailing {
					metric, value = "", float64(notAfter.Unix()-now.Unix())-15*60
				}
				samples = append(samples, map[string]any{"labels": fmt.Sprintf("%s{%s}", metric, labels), "value": value})
			}
			exprTests = append(exprTests, map[string]any{"expr": alerts[name].Expr, "eval_time": "15m", "exp_samples": samples})
		}
		tests = append(tests, map[string]any{"name": p.module + " " + p.target, "interval": "1m", "input_series": series, "promql_expr_test": exprTests})
	}
	for _, name := range rules.ProbeMetrics {
		if !seen[name] {
			t.Errorf("the blackbox exporter serves no %s, which the alerts or the dashboard read", name)
		}
	}
	b, err := yaml.Marshal(map[string]any{"rule_files": []string{}, "evaluation_interval": "1m", "tests": tests})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "probes.test.yml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(dir, promtool, "test", "rules", "probes.test.yml"); err != nil || !strings.Contains(out, "SUCCESS") {
		t.Fatalf("the probe alerts do not hold on the exporter's results: %v\n%s\n%s", err, out, b)
	}
}

// Every scenario's blackbox config loads in the real exporter: the compose
// stack's file, and on Kubernetes the modules the exporter chart's values
// give it. A module it does not know is refused (the check can fail).
func TestBlackboxConfigsLoad(t *testing.T) {
	bin := testtool.Require(t, "prometheus-blackbox-exporter")
	kinds := map[bool]int{}
	for _, sc := range scenarios(t) {
		k8s := sc.Spec.Deploy.Target.IsKubernetes()
		kinds[k8s]++
		cfg := sc.path(prometheus.BlackboxPath(sc.Spec))
		if k8s {
			cfg = chartBlackboxConfig(t, sc.path(kubernetes.BlackboxValuesPath(sc.Spec)))
		}
		if out, err := run(sc.Dir, bin, "--config.file="+cfg, "--config.check"); err != nil {
			t.Errorf("%s: the blackbox exporter refuses %s: %v\n%s", sc.Name, cfg, err, out)
		}
	}
	if kinds[false] == 0 || kinds[true] == 0 {
		t.Fatalf("scenarios checked by target (kubernetes: true): %v; want both", kinds)
	}
	bad := filepath.Join(t.TempDir(), "blackbox.yml")
	if err := os.WriteFile(bad, []byte("modules:\n  health:\n    prober: http\n    http:\n      no_such_setting: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t.TempDir(), bin, "--config.file="+bad, "--config.check"); err == nil {
		t.Errorf("the blackbox exporter accepted an unknown setting:\n%s", out)
	}
}

// chartBlackboxConfig writes the exporter config the chart's `config` value
// holds (the chart mounts it as the exporter's config file) and returns its
// path.
func chartBlackboxConfig(t *testing.T, valuesFile string) string {
	t.Helper()
	b, err := os.ReadFile(valuesFile)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if v.Config == nil {
		t.Fatalf("%s has no config", valuesFile)
	}
	out, err := yaml.Marshal(v.Config)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "blackbox.yaml")
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
