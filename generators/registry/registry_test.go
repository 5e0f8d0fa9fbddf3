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

// A service's steps run in its folder, and what they name is relative to
// it: the start script of services/web runs server.js, not
// services/web/server.js.
func TestProjectStepsRunInTheServiceFolder(t *testing.T) {
	p, err := spec.ParseProject("obsgen.yaml", []byte(`version: 1
services:
  api: {dir: services/api, service: {module: example.com/api}}
  web:
    dir: services/web
    service: {language: node, framework: express, port: 8081}
    node: {main: server.js}
`))
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Services {
		p.Services[i].Spec.Complete(spec.Detected{})
	}
	res, err := GenerateProject(p, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]bool{}
	for _, st := range res.Steps {
		dirs[st.Dir] = true
		if st.Main != "" && st.Main != "server.js" {
			t.Errorf("step %s in %s names main %q, want server.js (relative to its folder)", st.Kind, st.Dir, st.Main)
		}
	}
	if !dirs["services/api"] || !dirs["services/web"] || dirs["."] {
		t.Errorf("steps run in %v, want each service's folder only", dirs)
	}
}
