package webhookstore_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/ingest/webhook/webhookstore"
)

// BenchmarkIngestHTTP measures the webhook door end to end over loopback HTTP: 64 concurrent
// senders POST GitHub-signed generic bodies, each a new post; every one is read, its signature
// checked against the source's secret (read from SQLite and unsealed), parsed, preflighted and
// committed durably (synchronous=FULL, group commit) before the 202. The load generator runs
// in the same process, on the same two cores.
//
//	go test -run '^$' -bench IngestHTTP -benchtime 40000x ./ingest/webhook/webhookstore/
//
// Sub-benchmarks: sqlite/cache=0s looks every source up in SQLite; sqlite/cache=1s is how serve
// runs (sources cached for a second); nop-queue/cache=1s stubs the durable commit out, to show
// what HTTP and the door alone cost on this machine.
func BenchmarkIngestHTTP(b *testing.B) {
	for _, c := range []struct {
		name string
		ttl  time.Duration
		nop  bool
	}{{"sqlite/cache=0s", 0, false}, {"sqlite/cache=1s", time.Second, false}, {"nop-queue/cache=1s", time.Second, true}} {
		b.Run(c.name, func(b *testing.B) {
			benchIngestHTTP(b, func(o *webhook.Options, so *webhookstore.Options) {
				so.CacheTTL = c.ttl
				if c.nop {
					o.Enqueuer = nopEnqueuer{}
				}
			})
		})
	}
}

type nopEnqueuer struct{}

func (nopEnqueuer) Enqueue(context.Context, ingest.Request) (webhook.Accepted, error) {
	return webhook.Accepted{ID: "p2345678"}, nil
}

func benchIngestHTTP(b *testing.B, opt func(*webhook.Options, *webhookstore.Options)) {
	const senders = 64
	s := newStack(b, opt)
	secret := s.add(b, webhookstore.Spec{Name: "ci", Scheme: webhook.SchemeGitHub})
	url := s.srv.URL + "/hooks/ci"

	// Bodies and signatures are made up front, so the timed part is the door's work plus the
	// client's HTTP, not the sender's HMAC.
	type delivery struct {
		body []byte
		h    http.Header
	}
	ds := make([]delivery, b.N)
	for i := range ds {
		body := fmt.Appendf(nil, `{"text":"Deploy %d of api is live","idempotency_key":"bench-%d-%d"}`, i, i, time.Now().UnixNano())
		ds[i] = delivery{body: body, h: sign(b, webhook.SchemeGitHub, secret, body, s.clock.Now())}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: senders, MaxIdleConnsPerHost: senders, MaxConnsPerHost: senders}}
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	next.Store(-1)
	var failed atomic.Int64

	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i >= int64(b.N) {
					return
				}
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(ds[i].body))
				req.Header = ds[i].h
				start := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					failed.Add(1)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = time.Since(start)
				if resp.StatusCode != http.StatusAccepted {
					if failed.Add(1) == 1 {
						b.Errorf("status %d", resp.StatusCode)
					}
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d deliveries not accepted", failed.Load())
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "accepted/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(0.999), "p99.9-ms")
}
