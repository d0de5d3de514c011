package config

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeConfigTableIsCurrent keeps the README's configuration table equal to the one
// generated from the declaration, so docs and flags cannot drift.
func TestReadmeConfigTableIsCurrent(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "<!-- config-table:start")
	end := strings.Index(readme, "<!-- config-table:end -->")
	if start < 0 || end < start {
		t.Fatal("README.md lacks the config-table markers")
	}
	table := readme[start:end]
	table = table[strings.Index(table, "\n")+1:]
	if strings.TrimSpace(table) != strings.TrimSpace(Markdown()) {
		t.Fatalf("README.md's configuration table is stale; replace it with config.Markdown():\n%s", Markdown())
	}
}
