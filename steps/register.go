package steps

import "github.com/cucumber/godog"

// Register registers every step of the suite on a scenario.
func Register(sc *godog.ScenarioContext) {
	RegisterPatch(sc)
	RegisterFormats(sc)
	RegisterRequests(sc)
}
