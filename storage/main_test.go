package storage_test

import (
	"os"
	"testing"

	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestMain runs the whole suite once per dialect: SQLite, and PostgreSQL when
// SPINDLE_TEST_DATABASE_URL is set (required in CI; see storagetest.RunDialects).
func TestMain(m *testing.M) { os.Exit(storagetest.RunDialects(m)) }
