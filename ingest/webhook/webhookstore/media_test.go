package webhookstore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/mediaprobe"
	"github.com/spindle-threads/spindle/ingest/netguard"
	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/ingest/webhook/webhookstore"
	"github.com/spindle-threads/spindle/storage"
)

// TestDoorProbesMedia: a webhook body whose media is a 404 or an HTML page named .png is
// refused at the door with the reason, and nothing is queued; before, the publisher found out
// minutes later and the sender had long gone.
func TestDoorProbesMedia(t *testing.T) {
	t.Parallel()
	media := http.NewServeMux()
	media.HandleFunc("/ok.png", func(w http.ResponseWriter, _ *http.Request) { w.Header().Set("Content-Type", "image/png") })
	media.HandleFunc("/page.png", func(w http.ResponseWriter, _ *http.Request) { w.Header().Set("Content-Type", "text/html") })
	ms := httptest.NewServer(media)
	defer ms.Close()
	// httptest listens on loopback: the probe needs SPINDLE_ALLOW_PRIVATE_URLS's allowance.
	g := netguard.New(netguard.Options{AllowPrivate: true})
	probe := mediaprobe.New(mediaprobe.Options{Client: &http.Client{Transport: g.Transport()}})
	late := &lateEnqueuer{}
	s := newStack(t, func(o *webhook.Options, _ *webhookstore.Options) { o.Enqueuer = late })
	late.e = webhookstore.Enqueuer{Ingest: ingest.NewService(ingest.Options{Queue: s.db, Now: s.clock.Now, MediaProbe: probe.Probe})}
	secret := s.add(t, webhookstore.Spec{Name: "ci", Scheme: webhook.SchemeGitHub})
	tests := []struct {
		name, path string
		code       int
		err        string
	}{
		{"reachable image", "/ok.png", 202, ""},
		{"404", "/missing.png", 400, "media[0].url: media item 1: the image at URL/missing.png cannot be fetched: the server answered 404 Not Found; check the link"},
		{"HTML named .png", "/page.png", 400, "media[0].url: media item 1: the link URL/page.png serves an HTML page (text/html), not an image; link the image file itself"},
	}
	for i, tt := range tests {
		body := fmt.Appendf(nil, `{"text":"shot %d","media":[{"kind":"image","url":%q}]}`, i, ms.URL+tt.path)
		code, out := s.post(t, "ci", sign(t, webhook.SchemeGitHub, secret, body, s.clock.Now()), body)
		want := ""
		if tt.err != "" {
			want = strings.ReplaceAll(tt.err, "URL", ms.URL)
		}
		if code != tt.code || out["error"] != want {
			t.Errorf("%s: %d %v\nwant %d %q", tt.name, code, out, tt.code, want)
		}
	}
	if posts, err := s.db.List(context.Background(), storage.ListFilter{}); err != nil || len(posts) != 1 {
		t.Errorf("%d posts stored (%v), want only the reachable one", len(posts), err)
	}
}

// lateEnqueuer lets a test build the ingest service over the stack's database once it exists.
type lateEnqueuer struct{ e webhookstore.Enqueuer }

func (l *lateEnqueuer) Enqueue(ctx context.Context, r ingest.Request) (webhook.Accepted, error) {
	return l.e.Enqueue(ctx, r)
}
