package recur_test

import (
	"os"
	"testing"

	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestMain runs the package's tests on SQLite and, when SPINDLE_TEST_DATABASE_URL is set, on
// PostgreSQL too: materialising occurrences is decided by the database.
func TestMain(m *testing.M) { os.Exit(storagetest.RunDialects(m)) }
