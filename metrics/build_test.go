package metrics_test

import (
	"runtime"
	"testing"

	"github.com/spindle-threads/spindle/metrics"
)

func TestBuildInfoNamesTheVersion(t *testing.T) {
	t.Parallel()
	m := metrics.New(metrics.Options{Store: brokenStore{}, Version: "v1.4.2"})
	got := value(t, families(t, m), "spindle_build_info", map[string]string{"version": "v1.4.2", "goversion": runtime.Version()})
	if got != 1 {
		t.Fatalf("spindle_build_info{version=v1.4.2} = %v, want 1", got)
	}
}
