package storage

import (
	"strconv"
	"strings"
	"testing"
)

func TestRewritePlaceholders(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT * FROM t WHERE a = ? AND b = ?`, `SELECT * FROM t WHERE a = $1 AND b = $2`},
		{`SELECT '?', "a?b", ? -- what?` + "\n" + `, ?`, `SELECT '?', "a?b", $1 -- what?` + "\n" + `, $2`},
		{`SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
		{`/* ? */ SELECT ?`, `/* ? */ SELECT $1`},
		{`DO $$ BEGIN PERFORM '?'; END $$; SELECT ?`, `DO $$ BEGIN PERFORM '?'; END $$; SELECT $1`},
		{`CREATE FUNCTION f() AS $body$ ? $body$; SELECT ?`, `CREATE FUNCTION f() AS $body$ ? $body$; SELECT $1`},
		{`SELECT $1, $2`, `SELECT $1, $2`}, // already numbered: PostgreSQL-only twins
		{`SELECT 'unterminated ?`, `SELECT 'unterminated ?`},
	}
	for _, c := range cases {
		if got := rewritePlaceholders(c.in); got != c.want {
			t.Errorf("rewritePlaceholders(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// FuzzRewritePlaceholders: whatever the text, the rewrite never panics, leaves text without a
// ? as it is, and turns each ? it numbers into exactly one $n in order.
func FuzzRewritePlaceholders(f *testing.F) {
	for _, s := range []string{`SELECT ?`, `'?'`, `"?"`, `-- ?`, `/* ?`, `$$?$$`, `$a$ ? $a$ ?`, `$1 ?`, `??`, `'''?`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		got := rewritePlaceholders(q)
		if !strings.Contains(q, "?") && got != q {
			t.Fatalf("changed text without placeholders: %q -> %q", q, got)
		}
		removed := strings.Count(q, "?") - strings.Count(got, "?")
		if removed < 0 {
			t.Fatalf("added placeholders: %q -> %q", q, got)
		}
		if removed > 0 && !strings.Contains(got, "$"+strconv.Itoa(removed)) {
			t.Fatalf("numbered %d placeholders but no $%d in %q", removed, removed, got)
		}
	})
}
