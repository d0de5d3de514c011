package threadstest

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const minute = time.Minute

var timeZero time.Time

// BenchmarkPublishRoundTrip measures container create + status + publish
// (three HTTP round trips on loopback) against the simulator with no
// latency: the floor the API itself sets for the publisher's figures.
func BenchmarkPublishRoundTrip(b *testing.B) {
	sim := NewServer(Options{Quotas: Quotas{Posts: 1 << 30}})
	b.Cleanup(sim.Close)
	u := sim.AddUser("bench")
	token := sim.IssueToken(u.ID, appScopes...)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	post := func(path string, v url.Values) error {
		resp, err := client.Post(sim.URL+path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return fmt.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
		return nil
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			v := url.Values{"access_token": {token}, "media_type": {"TEXT"}, "text": {fmt.Sprint("bench ", i)}}
			resp, err := client.Post(sim.URL+"/v1.0/me/threads", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
			if err != nil {
				b.Fatal(err)
			}
			var id string
			_, _ = fmt.Fscanf(resp.Body, `{"id":%q}`, &id)
			resp.Body.Close()
			st, err := client.Get(sim.URL + "/v1.0/" + id + "?fields=status&access_token=" + token)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, st.Body)
			st.Body.Close()
			if err := post("/v1.0/me/threads_publish", url.Values{"access_token": {token}, "creation_id": {id}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.StopTimer()
	if got := len(sim.Ledger()); got != int(n.Load()) {
		b.Fatalf("ledger %d, want %d", got, n.Load())
	}
	b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "posts/s")
}
