package wizard_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/obsgen/obsgen/internal/spec"
	"github.com/obsgen/obsgen/wizard"
	"github.com/obsgen/obsgen/wizard/wizardtest"
)

// A detected Node service: the wizard offers what package.json said as
// defaults, asks the Node questions and never the Go module path.
func TestWizardNodeFlow(t *testing.T) {
	start := spec.New()
	start.Service.Language, start.Service.Framework = "node", "fastify"
	start.Node.TypeScript, start.Node.ModuleType, start.Node.Main = true, "module", "dist/server.js"
	start.Output.CodeDir = spec.NodeCodeDir
	p := &wizardtest.Scripted{Answers: map[string]string{
		prompt(t, "service-name"): "catalog",
		wizard.AskAdvanced:        "false",
		wizard.AskConfirm:         "true",
	}}
	got, err := wizard.Run(p, start, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(p.Asked, prompt(t, "module")) {
		t.Error("asked a Node service for its Go module path")
	}
	for key, want := range map[string]string{"framework": "fastify", "node-typescript": "true", "node-module-type": "module", "node-main": "dist/server.js"} {
		if d := p.Defaults[prompt(t, key)]; d != want {
			t.Errorf("%s offered %q as default, want the detected %q", key, d, want)
		}
	}
	if got.Service.Framework != "fastify" || !got.Node.TypeScript || got.Service.Name != "catalog" {
		t.Errorf("got %+v", got)
	}
}
