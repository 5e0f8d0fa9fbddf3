package wire

import (
	"reflect"
	"testing"

	"github.com/obsgen/obsgen/generators"
)

// A service's plan in a repository of several names every file, the
// edits of its mains and of its clients, from the repository's root.
func TestPlanInFolder(t *testing.T) {
	api := Plan{
		Mains:        []MainPlan{{File: "main.go", Action: "planned", edit: &generators.File{Path: "main.go"}}},
		Dependencies: []DepPlan{{File: "internal/store/store.go", Action: "planned"}},
		deps:         []generators.File{{Path: "internal/store/store.go"}},
	}
	api.In("services/api")
	web := Plan{Mains: []MainPlan{{File: "cmd/web/main.go", Action: "manual"}}}
	web.In("services/web")
	var all Plan
	all.Add(api)
	all.Add(web)
	var edits []string
	for _, e := range all.Edits() {
		edits = append(edits, e.Path)
	}
	if want := []string{"services/api/main.go", "services/api/internal/store/store.go"}; !reflect.DeepEqual(edits, want) {
		t.Errorf("edits %v, want %v", edits, want)
	}
	if all.Mains[1].File != "services/web/cmd/web/main.go" || all.Dependencies[0].File != "services/api/internal/store/store.go" {
		t.Errorf("plan files not in their folders: %+v %+v", all.Mains, all.Dependencies)
	}
}
