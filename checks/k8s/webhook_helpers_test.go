package k8s

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus-operator/prometheus-operator/pkg/admission"
	admregv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// serveOperatorWebhook serves the operator's own admission handlers
// (pkg/admission, what its binary serves) over TLS on loopback and
// registers them with the API server as ValidatingWebhookConfigurations
// for PrometheusRules and AlertmanagerConfigs, failing closed.
func serveOperatorWebhook(t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir, "webhook")
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	admission.New(slog.New(slog.NewTextHandler(io.Discard, nil))).Register(mux)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux, TLSConfig: &tls.Config{Certificates: []tls.Certificate{pair}}}
	go func() { _ = srv.ServeTLS(l, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })

	ca, err := os.ReadFile(filepath.Clean(certFile))
	if err != nil {
		t.Fatal(err)
	}
	base := "https://" + l.Addr().String()
	fail, none := admregv1.Fail, admregv1.SideEffectClassNone
	hook := func(name, path, group, version, resource string) admregv1.ValidatingWebhook {
		url := base + path
		return admregv1.ValidatingWebhook{
			Name:                    name,
			ClientConfig:            admregv1.WebhookClientConfig{URL: &url, CABundle: ca},
			FailurePolicy:           &fail,
			SideEffects:             &none,
			AdmissionReviewVersions: []string{"v1"},
			Rules: []admregv1.RuleWithOperations{{
				Operations: []admregv1.OperationType{admregv1.Create, admregv1.Update},
				Rule:       admregv1.Rule{APIGroups: []string{group}, APIVersions: []string{version}, Resources: []string{resource}},
			}},
		}
	}
	cfg := &admregv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "prometheus-operator"},
		Webhooks: []admregv1.ValidatingWebhook{
			hook("prometheusrulevalidate.monitoring.coreos.com", "/admission-prometheusrules/validate", "monitoring.coreos.com", "v1", "prometheusrules"),
			hook("alertmanagerconfigsvalidate.monitoring.coreos.com", "/admission-alertmanagerconfigs/validate", "monitoring.coreos.com", "v1alpha1", "alertmanagerconfigs"),
		},
	}
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(context.Background(), cfg, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}
