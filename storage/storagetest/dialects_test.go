package storagetest

import (
	"strings"
	"testing"
)

// TestDialectsInCI: in CI the PostgreSQL half of the suite is required. A missing URL or a
// server that does not answer fails the run, saying how to start one; outside CI a missing
// URL means SQLite alone.
func TestDialectsInCI(t *testing.T) {
	cases := []struct {
		name, ci, url string
		want          []string
		wantErr       string
	}{
		{name: "developer without a server", want: []string{"sqlite"}},
		{name: "CI without a URL", ci: "true", wantErr: ".ci/postgres start"},
		{name: "nothing listens there", ci: "true", url: "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2", wantErr: "does not answer"},
		{name: "not CI, but a URL that does not answer", url: "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2", wantErr: "does not answer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("CI", c.ci)
			t.Setenv(EnvDatabaseURL, c.url)
			got, err := Dialects()
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Dialects() = %v, %v; want an error saying %q", got, err, c.wantErr)
				}
				return
			}
			if err != nil || strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("Dialects() = %v, %v; want %v", got, err, c.want)
			}
		})
	}
}
