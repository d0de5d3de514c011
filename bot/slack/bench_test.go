package slack

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot/slack/slacktest"
)

// BenchmarkSlashAck measures the acknowledgement of signed slash commands, 100 in flight at
// once over loopback HTTP: verification, the dispatcher, and for "post" a durable SQLite
// commit (synchronous=FULL, group commit). p50 and p99 come from every request's recorded
// latency. Slack's limit is 3 s; the target is p99 < 50 ms.
func BenchmarkSlashAck(b *testing.B) {
	for _, verb := range []string{"post", "list", "help"} {
		b.Run(verb, func(b *testing.B) { benchAck(b, verb) })
	}
}

func benchAck(b *testing.B, verb string) {
	e := newEnv(b)
	e.slack.SetZone("UALICE", "Europe/Paris")
	e.say("UALICE", "help") // warm the zone cache, as for a returning user
	const concurrency = 100
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency, MaxConnsPerHost: concurrency}}
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				text := verb
				if verb == "post" {
					text = "post benchmark post number " + strconv.FormatInt(i, 10)
				}
				body := slacktest.Command{Team: "T1", Channel: "C1", User: "UALICE", Text: text,
					ResponseURL: "http://127.0.0.1:1/r" + strconv.FormatInt(i, 10)}.Form()
				req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/slack/commands", strings.NewReader(body))
				start := time.Now()
				slacktest.SignRequest(req, testSecret, body, start)
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = time.Since(start)
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d requests failed", n, b.N)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}
