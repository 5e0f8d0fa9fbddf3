// Package templates embeds the text/template sources every generator renders.
// Every file ends in .tmpl so the go tool never compiles a template; partials
// start with an underscore and are parsed with their folder's templates.
package templates

import "embed"

// FS holds every template, by path relative to this folder.
//
//go:embed all:*
var FS embed.FS
