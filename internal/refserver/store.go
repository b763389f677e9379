package refserver

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/casecert/casecert/internal/sfid"
)

// recordTypeLP is the record type of every case the server creates.
const recordTypeLP = "Loss Prevention"

// record is one stored case: column name -> stored value (string, float64, bool, int64
// for seq, or nil for SQL NULL).
type record map[string]any

// querier is what both *sql.DB and *sql.Tx offer; the store hands out a conn that wraps
// either. The pool holds a single connection, so code inside a transaction must use the
// transaction, never the pool.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn is the pool or a transaction that runs the store's fixed statements from their
// prepared form: parsing SQL is most of the cost of a small query in a pure-Go SQLite.
// Other statements (the UPDATE of the sent columns, the list filters) are parsed each time.
type conn struct {
	prepared map[string]*sql.Stmt
	q        querier
	tx       *sql.Tx // nil: the pool
}

// stmt is the prepared form of query, or nil.
func (c conn) stmt(ctx context.Context, query string) *sql.Stmt {
	st := c.prepared[query]
	if st != nil && c.tx != nil {
		return c.tx.StmtContext(ctx, st) // reuses the statement prepared on the one connection
	}
	return st
}

func (c conn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.q.ExecContext(ctx, query, args...)
}

func (c conn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.q.QueryContext(ctx, query, args...)
}

func (c conn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.q.QueryRowContext(ctx, query, args...)
}

// store keeps cases in SQLite.
type store struct {
	db      *sql.DB
	tempDir string // removed by close when the store made it
	sc      *schema
	columns []column
	// prepared holds the fixed statements by their text (see conn); they are prepared
	// at open, before any transaction holds the one connection.
	prepared map[string]*sql.Stmt
	// The fixed statements that depend on the columns.
	loadByID, loadBySeq, insert string
}

// Fixed statements that do not depend on the columns.
const (
	sqlNextCaseSeq    = `SELECT COALESCE(MAX(seq), 0) + 1 FROM cases`
	sqlNextChildSeq   = `SELECT COALESCE(MAX(seq), 0) + 1 FROM children`
	sqlOwnerExists    = `SELECT COUNT(*) FROM owners WHERE id = ?`
	sqlLocationByID   = `SELECT id, number FROM locations WHERE id = ?`
	sqlLocationByNum  = `SELECT id, number FROM locations WHERE number = ?`
	sqlInsertChild    = `INSERT INTO children (seq, id, case_id, kind, data, est, rec) VALUES (?, ?, ?, ?, ?, ?, ?)`
	sqlDeleteChildren = `DELETE FROM children WHERE case_id = ? AND kind = ?`
	sqlListChildren   = `SELECT id, data FROM children WHERE case_id = ? AND kind = ? ORDER BY seq`
	sqlRollUp         = `UPDATE cases SET
		total_estimated_value = (SELECT COALESCE(SUM(est), 0) FROM children WHERE case_id = ?1 AND kind = ?2),
		total_recovered_value = (SELECT COALESCE(SUM(rec), 0) FROM children WHERE case_id = ?1 AND kind = ?2)
		WHERE id = ?1`
)

// column is one column of the cases table.
type column struct {
	name string
	kind kind
}

// caseColumns are the internal columns and one column per body field of the schema.
func caseColumns(sc *schema) []column {
	cols := slices.Clone(internalColumns)
	for _, f := range sc.fields {
		cols = append(cols, column{f.name, f.kind})
	}
	return cols
}

// quote makes a name an SQL identifier: profiles name their fields as they like.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func sqlType(k kind) string {
	switch k {
	case kindNumber:
		return "REAL"
	case kindBool:
		return "INTEGER"
	}
	return "TEXT"
}

// openStore opens (or creates) the database and seeds the fixtures. A single connection
// serializes every access, which makes transactions free of SQLITE_BUSY and lets
// ":memory:" name one database.
func openStore(path string, sc *schema) (*store, error) {
	s := &store{sc: sc, columns: caseColumns(sc)}
	if path == "" {
		dir, err := os.MkdirTemp("", "casecert-refserver-")
		if err != nil {
			return nil, err
		}
		s.tempDir = dir
		path = filepath.Join(dir, "cases.db")
	}
	// BEGIN IMMEDIATE takes the write lock up front, so a transaction that reads before
	// it writes cannot deadlock with another process sharing the file.
	dsn := path + "?_txlock=immediate&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)"
	switch {
	case s.tempDir != "":
		// A throwaway database that no other process opens and that need not survive a
		// crash: no fsync, the rollback journal in memory, the file lock held for good.
		dsn += "&_pragma=journal_mode(MEMORY)&_pragma=synchronous(OFF)&_pragma=locking_mode(EXCLUSIVE)"
	case path != ":memory:":
		dsn += "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		s.close()
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s.db = db
	if err := s.init(context.Background()); err != nil {
		s.close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	if err := s.prepare(); err != nil {
		s.close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return s, nil
}

// prepare prepares the fixed statements.
func (s *store) prepare() error {
	names := make([]string, len(s.columns))
	marks := make([]string, len(s.columns))
	for i, c := range s.columns {
		names[i], marks[i] = quote(c.name), "?"
	}
	s.loadByID = `SELECT ` + s.selectList() + ` FROM cases WHERE id = ?`
	s.loadBySeq = `SELECT ` + s.selectList() + ` FROM cases WHERE seq = ?`
	s.insert = `INSERT INTO cases (` + strings.Join(names, ", ") + `) VALUES (` + strings.Join(marks, ", ") + `)`
	s.prepared = map[string]*sql.Stmt{}
	for _, q := range []string{s.loadByID, s.loadBySeq, s.insert, sqlNextCaseSeq, sqlNextChildSeq, sqlOwnerExists,
		sqlLocationByID, sqlLocationByNum, sqlInsertChild, sqlDeleteChildren, sqlListChildren, sqlRollUp} {
		st, err := s.db.Prepare(q)
		if err != nil {
			return err
		}
		s.prepared[q] = st
	}
	return nil
}

// pool is the database outside a transaction.
func (s *store) pool() conn { return conn{prepared: s.prepared, q: s.db} }

func (s *store) init(ctx context.Context) error {
	var defs []string
	for _, c := range s.columns {
		switch c.name {
		case colSeq:
			defs = append(defs, "seq INTEGER PRIMARY KEY")
		case colID:
			defs = append(defs, "id TEXT NOT NULL UNIQUE")
		default:
			defs = append(defs, quote(c.name)+" "+sqlType(c.kind))
		}
	}
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS owners (id TEXT PRIMARY KEY, kind TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS locations (id TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE)`,
		`CREATE TABLE IF NOT EXISTS cases (` + strings.Join(defs, ", ") + `)`,
		`CREATE TABLE IF NOT EXISTS children (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
			case_id TEXT NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL, est REAL, rec REAL)`,
		`CREATE INDEX IF NOT EXISTS children_case ON children (case_id, kind)`,
	}
	for _, q := range stmts {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	for _, o := range s.sc.seedOwners {
		if _, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO owners VALUES (?, ?)`, o[0], o[1]); err != nil {
			return err
		}
	}
	for _, l := range s.sc.seedLocations {
		if _, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO locations VALUES (?, ?)`, l[1], l[0]); err != nil {
			return err
		}
	}
	return nil
}

func (s *store) close() error {
	var err error
	for _, st := range s.prepared {
		st.Close()
	}
	if s.db != nil {
		err = s.db.Close()
	}
	if s.tempDir != "" {
		if rmErr := os.RemoveAll(s.tempDir); err == nil {
			err = rmErr
		}
	}
	return err
}

// inTx runs fn in a transaction, committed when fn returns nil.
func (s *store) inTx(ctx context.Context, fn func(tx conn) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(conn{prepared: s.prepared, q: tx, tx: tx}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (s *store) selectList() string {
	names := make([]string, len(s.columns))
	for i, c := range s.columns {
		names[i] = quote(c.name)
	}
	return strings.Join(names, ", ")
}

func (s *store) scan(rows interface{ Scan(...any) error }) (record, error) {
	vals := make([]any, len(s.columns))
	ptrs := make([]any, len(s.columns))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	rec := record{}
	for i, c := range s.columns {
		v := vals[i]
		switch x := v.(type) {
		case []byte:
			v = string(x)
		case int64:
			switch c.kind {
			case kindBool:
				v = x != 0
			case kindNumber:
				if c.name != colSeq {
					v = float64(x)
				}
			}
		}
		rec[c.name] = v
	}
	return rec, nil
}

// loadCase reads one case by its 18-character id, or by its sequence number when bySeq.
func (s *store) loadCase(ctx context.Context, q querier, id string, seq int64) (record, error) {
	if id != "" {
		return s.scan(q.QueryRowContext(ctx, s.loadByID, id))
	}
	return s.scan(q.QueryRowContext(ctx, s.loadBySeq, seq))
}

// nextSeq is the next sequence number of a table (sqlNextCaseSeq or sqlNextChildSeq);
// callers hold the (single) connection in a transaction, so no other writer can take the
// same number.
func nextSeq(ctx context.Context, q querier, query string) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, query).Scan(&n)
	return n, err
}

func dbValue(v any) any {
	if b, ok := v.(bool); ok {
		if b {
			return 1
		}
		return 0
	}
	return v
}

// insertCase stores a new case; rec must hold seq and id. Every column is named, those
// rec lacks as NULL (the columns have no defaults), so one prepared statement serves all.
func (s *store) insertCase(ctx context.Context, q querier, rec record) error {
	args := make([]any, len(s.columns))
	for i, c := range s.columns {
		args[i] = dbValue(rec[c.name])
	}
	_, err := q.ExecContext(ctx, s.insert, args...)
	return err
}

// deleteCase removes one case and its children.
func (s *store) deleteCase(ctx context.Context, q querier, id string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM children WHERE case_id = ?`, id); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `DELETE FROM cases WHERE id = ?`, id)
	return err
}

// updateCase sets only the given columns of one case, in one statement.
func (s *store) updateCase(ctx context.Context, q querier, id string, set map[string]any) error {
	if len(set) == 0 {
		return nil
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	var args []any
	for _, k := range keys {
		parts = append(parts, quote(k)+" = ?")
		args = append(args, dbValue(set[k]))
	}
	args = append(args, id)
	_, err := q.ExecContext(ctx, `UPDATE cases SET `+strings.Join(parts, ", ")+` WHERE id = ?`, args...)
	return err
}

// caseFilter is the AND of the list filters; empty strings are not applied.
type caseFilter struct {
	equal  map[string]string // column -> exact value
	ranges []rangeFilter
}

type rangeFilter struct {
	column, op, value string
}

func (s *store) listCases(ctx context.Context, q querier, f caseFilter) ([]record, error) {
	var where []string
	var args []any
	keys := make([]string, 0, len(f.equal))
	for k := range f.equal {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		where = append(where, quote(k)+" = ?")
		args = append(args, f.equal[k])
	}
	for _, r := range f.ranges {
		where = append(where, r.column+" "+r.op+" ?")
		args = append(args, r.value)
	}
	query := `SELECT ` + s.selectList() + ` FROM cases`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []record
	for rows.Next() {
		rec, err := s.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

func ownerExists(ctx context.Context, q querier, id string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, sqlOwnerExists, id).Scan(&n)
	return n > 0, err
}

// findLocation looks a location up by id or by number and returns both ("" when absent).
func findLocation(ctx context.Context, q querier, column, value string) (id, number string, err error) {
	query := sqlLocationByID
	if column == "number" {
		query = sqlLocationByNum
	}
	err = q.QueryRowContext(ctx, query, value).Scan(&id, &number)
	if err == sql.ErrNoRows {
		return "", "", nil
	}
	return id, number, err
}

// child is one person, vehicle or item of a case.
type child struct {
	id   string
	data map[string]json.RawMessage
}

func childValue(data map[string]json.RawMessage, key string) any {
	raw, ok := data[key]
	if !ok || jsonType(raw) != "number" {
		return nil
	}
	var v float64
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	return v
}

// insertChild stores one child and returns its id.
func insertChild(ctx context.Context, q querier, caseID, kind, prefix string, data map[string]json.RawMessage) (string, error) {
	seq, err := nextSeq(ctx, q, sqlNextChildSeq)
	if err != nil {
		return "", err
	}
	id := sfid.Make(prefix, seq)
	text, err := json.Marshal(data)
	if err != nil {
		return "", err
	}
	_, err = q.ExecContext(ctx, sqlInsertChild,
		seq, id, caseID, kind, string(text), childValue(data, "estimated_value"), childValue(data, "recovered_value"))
	return id, err
}

func deleteChildren(ctx context.Context, q querier, caseID, kind string) error {
	_, err := q.ExecContext(ctx, sqlDeleteChildren, caseID, kind)
	return err
}

func listChildren(ctx context.Context, q querier, caseID, kind string) ([]child, error) {
	rows, err := q.QueryContext(ctx, sqlListChildren, caseID, kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []child
	for rows.Next() {
		var c child
		var text string
		if err := rows.Scan(&c.id, &text); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(text), &c.data); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// rollUp recomputes the case's totals from the children of the items kind.
func rollUp(ctx context.Context, q querier, caseID, itemsKind string) error {
	_, err := q.ExecContext(ctx, sqlRollUp, caseID, itemsKind)
	return err
}
