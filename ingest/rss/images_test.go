package rss

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/mediaprobe"
	"github.com/spindle-threads/spindle/ingest/netguard"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestImagesFallBackToText: with --images, an item whose image cannot be fetched (a 404, an
// HTML page named .jpg) is posted as text with its link, through the real ingest service and
// its media probe; it used to be lost. An item whose image works keeps it.
func TestImagesFallBackToText(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	srv.set("/img/ok.jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), "image/jpeg")
	srv.set("/img/page.jpg", []byte("<!doctype html><p>login</p>"), "text/html")
	items := []testItem{
		{guid: "a", title: "Missing image", link: "https://site.example/a"},
		{guid: "b", title: "Page image", link: "https://site.example/b"},
		{guid: "c", title: "Good image", link: "https://site.example/c"},
	}
	body := string(rssDoc("Pics", items))
	for _, r := range []struct{ guid, img string }{{"a", "/img/missing.jpg"}, {"b", "/img/page.jpg"}, {"c", "/img/ok.jpg"}} {
		body = strings.Replace(body, `<guid isPermaLink="false">`+r.guid+`</guid>`,
			`<enclosure url="`+srv.URL+r.img+`" type="image/jpeg" length="1"/><guid isPermaLink="false">`+r.guid+`</guid>`, 1)
	}
	if strings.Count(body, "<enclosure") != 3 {
		t.Fatalf("fixture did not get its enclosures:\n%s", body)
	}
	srv.set("/pics.xml", []byte(body), "application/rss+xml")

	db := storagetest.Open(t, nil)
	acct := storagetest.Account(t, db, "alice")
	g := netguard.New(netguard.Options{AllowPrivate: true}) // httptest is on loopback
	probe := mediaprobe.New(mediaprobe.Options{Client: &http.Client{Transport: g.Transport()}, Timeout: 5 * time.Second})
	svc := ingest.NewService(ingest.Options{Queue: db, MediaProbe: probe.Probe})
	p := NewPoller(PollerOptions{Fetcher: testFetcher(), Seen: newMemSeen(), Enqueuer: ServiceEnqueuer{svc}})
	tmpl := mustTemplate(t, "{{.Title}}")
	res, err := p.Poll(context.Background(), Feed{ID: 1, AccountID: acct.ID, URL: srv.URL + "/pics.xml", Template: tmpl, Images: true})
	if err != nil || len(res.Posted) != 3 || len(res.Rejected) != 0 {
		t.Fatalf("poll: %v, posted %d, rejected %+v", err, len(res.Posted), res.Rejected)
	}
	want := map[string]struct{ media, attachment string }{
		"Missing image": {"", "https://site.example/a"},
		"Page image":    {"", "https://site.example/b"},
		"Good image":    {srv.URL + "/img/ok.jpg", ""},
	}
	for _, pi := range res.Posted {
		post, err := db.Get(context.Background(), pi.PostID)
		if err != nil {
			t.Fatal(err)
		}
		w := want[post.Text]
		media := ""
		if len(post.Media) > 0 {
			media = post.Media[0].URL
		}
		if media != w.media || post.LinkAttachment != w.attachment {
			t.Errorf("%q: media %q attachment %q, want %q %q", post.Text, media, post.LinkAttachment, w.media, w.attachment)
		}
	}
}
