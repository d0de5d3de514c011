package storage_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/storage"
)

// TestStatesMatchTheSchema: storage.States is the one list of post states metrics and others
// read; it must be exactly what posts.state's CHECK allows on both dialects, so a state added
// to the schema without the list (or the reverse) fails here rather than as a missing series.
// Later migrations widen the CHECK (0025: pending_approval) by naming the whole new list, whose
// last state is the one added: addedState finds it.
var addedState = regexp.MustCompile(`'cancelled'+, '+([a-z_]+)'+\)\)`)

func TestStatesMatchTheSchema(t *testing.T) {
	t.Parallel()
	var want []string
	for _, s := range storage.States() {
		want = append(want, string(s))
	}
	check := regexp.MustCompile(`state\s+TEXT[^,]*CHECK \(state IN \(([^)]*)\)\)`)
	for _, dialect := range []string{"sqlite", "postgres"} {
		b, err := os.ReadFile("migrations/" + dialect + "/0001_core.sql")
		if err != nil {
			t.Fatal(err)
		}
		m := check.FindSubmatch(b)
		if m == nil {
			t.Fatalf("%s: no CHECK on posts.state in 0001_core.sql", dialect)
		}
		var got []string
		for _, q := range strings.Split(string(m[1]), ",") {
			got = append(got, strings.Trim(strings.TrimSpace(q), "'"))
		}
		later, err := os.ReadFile("migrations/" + dialect + "/0025_approvals.sql")
		if err != nil {
			t.Fatal(err)
		}
		if m := addedState.FindSubmatch(later); m != nil {
			got = append([]string{string(m[1])}, got...)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: the schema allows %v, storage.States() lists %v", dialect, got, want)
		}
	}
}
