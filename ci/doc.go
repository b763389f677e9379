// Package ci holds the CI recipes a user copies: github/casecert.yml (GitHub Actions: a
// shard matrix, a merge job, the job summary, the gate) and gitlab/casecert.gitlab-ci.yml
// (GitLab CI: parallel shards, the merge job, JUnit). Its tests check them: actionlint
// (run from the ci/actionlint tool module), the YAML, every casecert command line against
// casecert's own flag parser, and each recipe's jobs, run as CI would run them against the
// reference server on 127.0.0.1.
package ci
