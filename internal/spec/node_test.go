package spec

import (
	"reflect"
	"strings"
	"testing"
)

func validNode() Spec {
	s := New()
	s.Service.Name, s.Service.Language, s.Service.Framework = "orders", "node", "express"
	s.Output.CodeDir = NodeCodeDir
	s.Complete(Detected{})
	return s
}

func TestNodeSpecValid(t *testing.T) {
	if err := validNode().Validate(); err != nil {
		t.Fatal(err)
	}
	s := validNode()
	s.Node.TypeScript, s.Node.Main = true, ""
	s.Complete(Detected{NodeMain: "dist/server.js"})
	if err := s.Validate(); err != nil || s.Node.Main != "dist/server.js" {
		t.Fatalf("%v, main %q", err, s.Node.Main)
	}
}

// Every rejected Node answer names its key, its flag and the fix.
func TestNodeValidation(t *testing.T) {
	cases := []struct {
		name, flag, want string
		edit             func(*Spec)
	}{
		{"go framework for node", "framework", "not a node framework", func(s *Spec) { s.Service.Framework = "gin" }},
		{"node framework for go", "framework", "not a go framework", func(s *Spec) { s.Service.Language, s.Service.Framework = "go", "fastify" }},
		{"main not a js file", "node-main", "ending in .js", func(s *Spec) { s.Node.Main = "src/server.ts" }},
		{"main outside the repo", "node-main", "ending in .js", func(s *Spec) { s.Node.Main = "../x.js" }},
		{"code outside rootDir", "node-root-dir", "does not hold the code folder", func(s *Spec) { s.Node.TypeScript, s.Node.RootDir = true, "lib" }},
		{"bad out dir", "node-out-dir", "inside the repo", func(s *Spec) { s.Node.TypeScript, s.Node.OutDir = true, "/dist" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := validNode()
			c.edit(&s)
			err := s.Validate()
			f, _ := Lookup(c.flag)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "--"+c.flag) || !strings.Contains(err.Error(), f.Path) {
				t.Fatalf("got %v, want an error naming %s, --%s and %q", err, f.Path, c.flag, c.want)
			}
		})
	}
}

// The answers file of a Go service has no node section, and a Node
// service's round-trips.
func TestNodeMarshal(t *testing.T) {
	goSpec := valid()
	data, err := goSpec.Marshal()
	if err != nil || strings.Contains(string(data), "node:") {
		t.Fatalf("Go answers carry a node section (%v):\n%s", err, data)
	}
	s := validNode()
	s.Node.TypeScript = true
	data, err = s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("x", data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip changed the spec:\n got %+v\nwant %+v", back, s)
	}
}
