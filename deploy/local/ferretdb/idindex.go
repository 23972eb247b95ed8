package main

// FerretDB v1.24's SQLite backend finds, updates and deletes a document by `_id` with
// `WHERE _ferretdb_sjson->'$._id' = ?`, but the `_id` index it creates is on
// `_ferretdb_sjson->"_id"`. SQLite matches an index to a query by the expression's text, so that
// index is never used and every look-up by `_id` scans its whole table (EXPLAIN QUERY PLAN: SCAN;
// 123 ms a look-up at 50,000 documents of 2 KB, against 1 ms with an index on the expression the
// queries use).
//
// keepIDIndexes adds that index, `<table>_vanthu_id`, to every collection's table, and keeps doing
// so as collections appear. FerretDB does not know about it: listIndexes and the unique `_id`
// index stay FerretDB's own, a dropped collection drops it with its table. SQLite lets this
// second writer in beside FerretDB (WAL journal, busy timeout); a table is indexed while it is
// still small, so the write lock is short.

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

const idIndexSuffix = "_vanthu_id"

// fileState is what a database file looked like when all its tables were last seen indexed.
type fileState struct{ main, wal string }

func keepIDIndexes(ctx context.Context, dir string, every time.Duration, logger *slog.Logger) {
	done := map[string]fileState{}
	ticker := time.NewTicker(every)
	defer ticker.Stop()

	for {
		files, err := filepath.Glob(filepath.Join(dir, "*.sqlite"))
		if err != nil {
			logger.Error("listing databases", "error", err)
		}

		seen := make(map[string]bool, len(files))
		for _, file := range files {
			seen[file] = true
			state := stateOf(file)
			if known, ok := done[file]; ok && known == state {
				continue // nothing written since every table had its index
			}
			err := indexFile(ctx, file, logger)
			if _, statErr := os.Stat(file); os.IsNotExist(statErr) {
				// Dropped while we had it open: FerretDB's close was not the last one, so the
				// journal files it would have removed are ours to remove (names are not reused
				// by our tests and tools, which drop only random-named databases).
				_ = os.Remove(file + "-wal")
				_ = os.Remove(file + "-shm")
				continue
			}
			if err != nil {
				logger.Debug("indexing _id", "file", file, "error", err) // retried next round
				continue
			}
			done[file] = state
		}
		for file := range done {
			if !seen[file] {
				delete(done, file)
			}
		}

		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func stateOf(file string) fileState {
	describe := func(path string) string {
		info, err := os.Stat(path)
		if err != nil {
			return ""
		}
		return fmt.Sprintf("%d/%d", info.Size(), info.ModTime().UnixNano())
	}
	return fileState{main: describe(file), wal: describe(file + "-wal")}
}

// indexFile adds the missing `_id` indexes of one database file. mode=rw: a file FerretDB has just
// dropped is not created again.
func indexFile(ctx context.Context, file string, logger *slog.Logger) error {
	db, err := sql.Open("sqlite", "file:"+file+"?mode=rw&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	rows, err := db.QueryContext(ctx, `
		SELECT m.name FROM sqlite_master AS m
		WHERE m.type = 'table'
		  AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = '_ferretdb_sjson')
		  AND NOT EXISTS (SELECT 1 FROM sqlite_master AS i
		                  WHERE i.type = 'index' AND i.name = m.name || ?)`, idIndexSuffix)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var table string
		if err := rows.Scan(&table); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, table)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	for _, table := range tables {
		query := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s (_ferretdb_sjson->'$._id')`,
			quoteIdent(table+idIndexSuffix), quoteIdent(table))
		if _, err := db.ExecContext(ctx, query); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		logger.Info("indexed _id look-ups", "file", filepath.Base(file), "table", table)
	}
	return nil
}

func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// sqliteDir turns the -sqlite-url (`file:./data/`, maybe with a query) into the directory.
func sqliteDir(url string) string {
	path := strings.TrimPrefix(url, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return path
}
