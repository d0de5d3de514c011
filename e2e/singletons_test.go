package e2e

import (
	"fmt"
	"regexp"
	"testing"
	"time"
)

// singletonLine is a replica's Debug line about one run of a singleton job.
var singletonLine = regexp.MustCompile(`(?m)^time=(\S+) .*msg="singleton job (started|ended)".* job=("[^"]*"|\S+)`)

// jobRun is one run of a singleton job on one daemon.
type jobRun struct {
	daemon     int
	job        string
	start, end time.Time
}

// singletonRuns reads the runs of singleton jobs from a daemon's log. A run still going when
// the log ends lasted until the daemon died (died, or never: still running).
func singletonRuns(t *testing.T, i int, logs string, died time.Time) []jobRun {
	t.Helper()
	open := map[string]time.Time{}
	var runs []jobRun
	for _, m := range singletonLine.FindAllStringSubmatch(logs, -1) {
		at, err := time.Parse(time.RFC3339Nano, m[1])
		if err != nil {
			t.Fatalf("daemon %d: log time %q: %v", i, m[1], err)
		}
		if m[2] == "started" {
			open[m[3]] = at
			continue
		}
		if start, ok := open[m[3]]; ok {
			runs = append(runs, jobRun{daemon: i, job: m[3], start: start, end: at})
			delete(open, m[3])
		}
	}
	for job, start := range open {
		end := died
		if end.IsZero() {
			end = time.Now()
		}
		runs = append(runs, jobRun{daemon: i, job: job, start: start, end: end})
	}
	return runs
}

// checkSingletons fails the test if one singleton job ran on two daemons at once.
func checkSingletons(t *testing.T, all []*daemon, died map[*daemon]time.Time) {
	t.Helper()
	var runs []jobRun
	for i, d := range all {
		runs = append(runs, singletonRuns(t, i, d.logs(), died[d])...)
	}
	if len(runs) == 0 {
		t.Fatal("no singleton job run was logged; the overlap check would prove nothing (is SPINDLE_LOG_LEVEL=debug set?)")
	}
	if msg := singletonOverlap(runs); msg != "" {
		t.Fatal(msg)
	}
	t.Logf("soak: %d singleton job runs, none overlapping", len(runs))
}

// singletonOverlap says which runs of one job overlapped on two daemons, or "" if none did.
// Log times have millisecond precision; runs that only touch within it do not count.
func singletonOverlap(runs []jobRun) string {
	for a := range runs {
		for b := a + 1; b < len(runs); b++ {
			x, y := runs[a], runs[b]
			if x.job == y.job && x.daemon != y.daemon && x.start.Before(y.end.Add(-time.Millisecond)) && y.start.Before(x.end.Add(-time.Millisecond)) {
				return fmt.Sprintf("singleton job %s ran on daemons %d (%s to %s) and %d (%s to %s) at once", x.job,
					x.daemon, x.start.Format(time.StampMilli), x.end.Format(time.StampMilli),
					y.daemon, y.start.Format(time.StampMilli), y.end.Format(time.StampMilli))
			}
		}
	}
	return ""
}

// TestSingletonOverlapFound: the soak's check finds a job run on two daemons at once (one of
// them killed mid-run), and passes runs that follow each other or are of different jobs.
func TestSingletonOverlapFound(t *testing.T) {
	logA := `time=2026-12-03T10:00:00.000Z level=DEBUG msg="singleton job started" job=feeds.poll
time=2026-12-03T10:00:00.050Z level=DEBUG msg="singleton job ended" job=feeds.poll
time=2026-12-03T10:00:02.000Z level=DEBUG msg="singleton job started" job=feeds.poll`
	killedA := time.Date(2026, 12, 3, 10, 0, 5, 0, time.UTC)
	after := `time=2026-12-03T10:00:20.000Z level=DEBUG msg="singleton job started" job=feeds.poll
time=2026-12-03T10:00:20.010Z level=DEBUG msg="singleton job ended" job=feeds.poll`
	during := `time=2026-12-03T10:00:04.000Z level=DEBUG msg="singleton job started" job=feeds.poll
time=2026-12-03T10:00:04.010Z level=DEBUG msg="singleton job ended" job=feeds.poll`
	other := `time=2026-12-03T10:00:03.000Z level=DEBUG msg="singleton job started" job=quota
time=2026-12-03T10:00:03.010Z level=DEBUG msg="singleton job ended" job=quota`
	a := singletonRuns(t, 0, logA, killedA)
	if len(a) != 2 || !a[1].end.Equal(killedA) {
		t.Fatalf("runs of the killed daemon %+v, want 2, the second ending at the kill", a)
	}
	for _, tc := range []struct {
		name, log string
		overlap   bool
	}{{"after the kill", after, false}, {"another job", other, false}, {"while the killed one ran", during, true}} {
		got := singletonOverlap(append(singletonRuns(t, 1, tc.log, time.Time{}), a...))
		if (got != "") != tc.overlap {
			t.Errorf("%s: overlap %q, want %v", tc.name, got, tc.overlap)
		}
	}
}
