package registry

import (
	"strings"
	"testing"

	"github.com/obsgen/obsgen/generators/compose"
	"github.com/obsgen/obsgen/internal/spec"
)

func k8sSpec(lang spec.Language) spec.Spec {
	s := spec.New()
	s.Service.Name = "checkout"
	s.Service.Language = lang
	if lang.IsGo() {
		s.Service.Module = "github.com/acme/checkout"
	} else {
		s.Service.Framework = "express"
	}
	s.Complete(spec.Detected{})
	s.Deploy.Target = spec.TargetKubernetes
	s.Kubernetes.Namespace = "shop"
	return s
}

// TestKubernetesTargetFiles: a Kubernetes service gets the image it
// deploys (the chart's image.repository names it) and none of the local
// stack's configs, which no cluster reads.
func TestKubernetesTargetFiles(t *testing.T) {
	for _, lang := range []spec.Language{spec.LangGo, spec.LangNode} {
		t.Run(string(lang), func(t *testing.T) {
			res, err := Generate(k8sSpec(lang), nil)
			if err != nil {
				t.Fatal(err)
			}
			files := res.Files
			paths := map[string]bool{}
			for _, f := range files {
				paths[f.Path] = true
			}
			for _, want := range []string{compose.Dockerfile, compose.DockerIgnore} {
				if !paths[want] {
					t.Errorf("no %s for the kubernetes target", want)
				}
			}
			for p := range paths {
				for _, stackDir := range []string{"prometheus/prometheus.yml", "alertmanager/", "alloy/", "loki/", "jaeger/", "tempo/", "otelcol/", "grafana/", compose.FileName} {
					if strings.Contains(p, stackDir) {
						t.Errorf("the kubernetes target writes the local stack's %s", p)
					}
				}
			}
		})
	}
}
