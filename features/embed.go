// Package features embeds the Gherkin contract of the Case API: the .feature files a
// vendor can read, and the requirement catalog (requirements.yaml) whose IDs the
// scenarios are tagged with.
package features

import "embed"

// FS holds every .feature file and requirements.yaml.
//
//go:embed *.feature requirements.yaml
var FS embed.FS
