package steps

// SetupBody is the body a scenario's setup creates its case with (every field populated,
// linked fields consistent, the run's marker set), as the scenario named key would send
// it. The preflight creates one case with it before the suite starts.
func SetupBody(env *Env, key string) map[string]any {
	return NewWorld(env, key, nil, nil).populatedBody()
}
