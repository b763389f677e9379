// Package selftest is casecert's self-certification: it runs the whole suite against the
// reference server, once as is (it must be conformant) and once per fault switch of
// refserver.Faults (each must fail the requirements its row names, and no other must
// requirement). It holds only tests.
//
// It is its own package so that `make test` can run it without -race: it is most of the
// test time, and the race detector multiplies the cost of the pure-Go SQLite several
// times over. The concurrent code stays covered under -race by the conformant run in
// internal/cli.
package selftest
