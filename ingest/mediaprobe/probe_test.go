package mediaprobe

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest/netguard"
)

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")

// mediaServer serves what a careless sender links to, on loopback.
func mediaServer(t *testing.T, release <-chan struct{}) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/ok.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(pngBytes)
	})
	mux.HandleFunc("/clip.mp4", func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Content-Type", "video/mp4") })
	mux.HandleFunc("/page.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>Not found</title>"))
	})
	mux.HandleFunc("/no-head.png", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if r.Header.Get("Range") != "bytes=0-511" {
			t.Errorf("fallback GET without a range: %q", r.Header.Get("Range"))
		}
		w.Header().Set("Content-Type", "image/png")
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write(pngBytes)
	})
	mux.HandleFunc("/untyped", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil // no type: the GET's first bytes are sniffed
		if r.Method == http.MethodGet {
			_, _ = w.Write(pngBytes)
		}
	})
	mux.HandleFunc("/slow.png", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestProbe(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := mediaServer(t, release)
	allow := netguard.New(netguard.Options{AllowPrivate: true})
	p := New(Options{Client: &http.Client{Transport: allow.Transport()}, Timeout: 200 * time.Millisecond})
	tests := []struct {
		name, kind, path string
		want             string // exact refusal; "" accepted
	}{
		{"image", "image", "/ok.png", ""},
		{"video", "video", "/clip.mp4", ""},
		{"HEAD refused, ranged GET", "image", "/no-head.png", ""},
		{"no content type, sniffed", "image", "/untyped", ""},
		{"404", "image", "/missing.png", "the image at URL/missing.png cannot be fetched: the server answered 404 Not Found; check the link"},
		{"HTML named .png", "image", "/page.png", "the link URL/page.png serves an HTML page (text/html), not an image; link the image file itself"},
		{"image given as video", "video", "/ok.png", "the link URL/ok.png serves image/png, not a video; link the video file itself"},
		{"timeout", "image", "/slow.png", "the image at URL/slow.png did not answer within 200ms; check the link, or host the file somewhere faster"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.Probe(context.Background(), tt.kind, srv.URL+tt.path)
			want := strings.ReplaceAll(tt.want, "URL", srv.URL)
			var pe *Error
			switch {
			case want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case want != "" && (!errors.As(err, &pe) || pe.Reason != want):
				t.Fatalf("got  %v\nwant %s", err, want)
			}
		})
	}
}

// TestProbeGuarded: without SPINDLE_ALLOW_PRIVATE_URLS the probe never reaches a loopback host.
func TestProbeGuarded(t *testing.T) {
	hit := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit = true }))
	defer srv.Close()
	g := netguard.New(netguard.Options{})
	p := New(Options{Client: &http.Client{Transport: g.Transport()}})
	err := p.Probe(context.Background(), "image", srv.URL+"/x.png")
	if err == nil || hit || !strings.Contains(err.Error(), "cannot be fetched") {
		t.Fatalf("err = %v, reached = %t", err, hit)
	}
}
