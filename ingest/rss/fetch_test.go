package rss

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest/netguard"
)

func TestFetchConditionalGET(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	srv.setFile(t, "/feed.xml", "rss20.xml", "application/rss+xml")
	f := testFetcher()
	ctx := context.Background()

	first, err := f.Fetch(ctx, srv.URL+"/feed.xml", Validators{})
	if err != nil {
		t.Fatalf("first fetch: %v", err)
	}
	if len(first.Body) == 0 || first.Validators.ETag == "" || first.Validators.LastModified == "" {
		t.Fatalf("first fetch: body %d bytes, validators %+v; want a body and both validators", len(first.Body), first.Validators)
	}
	if got := srv.served()[0].userAgent; got != "Spindle/test (+https://github.com/spindle-threads/spindle)" {
		t.Errorf("User-Agent = %q", got)
	}

	// Both validators are sent verbatim (ETag with its quotes); the server answers 304.
	_, err = f.Fetch(ctx, srv.URL+"/feed.xml", first.Validators)
	if !errors.Is(err, ErrNotModified) {
		t.Fatalf("second fetch: err = %v, want ErrNotModified", err)
	}
	log := srv.served()
	if log[1].ifNoneMatch != first.Validators.ETag || log[1].ifModSince != first.Validators.LastModified {
		t.Errorf("conditional headers = %q / %q, want %q / %q", log[1].ifNoneMatch, log[1].ifModSince,
			first.Validators.ETag, first.Validators.LastModified)
	}

	// Last-Modified alone is enough for a 304 too.
	_, err = f.Fetch(ctx, srv.URL+"/feed.xml", Validators{LastModified: first.Validators.LastModified})
	if !errors.Is(err, ErrNotModified) {
		t.Fatalf("fetch with Last-Modified only: err = %v, want ErrNotModified", err)
	}

	// A changed document is fetched again with new validators.
	srv.setFile(t, "/feed.xml", "atom.xml", "application/atom+xml")
	third, err := f.Fetch(ctx, srv.URL+"/feed.xml", first.Validators)
	if err != nil {
		t.Fatalf("fetch after change: %v", err)
	}
	if third.Validators == first.Validators || !bytes.Contains(third.Body, []byte("<feed")) {
		t.Errorf("fetch after change: validators %+v (old %+v), want new ones and the Atom body", third.Validators, first.Validators)
	}
}

func TestFetchGzipNegotiated(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte("<rss version=\"2.0\"><channel><title>gz</title></channel></rss>\n"), 200)
	var compressedBytes atomic.Int64
	var acceptEncoding atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		acceptEncoding.Store(r.Header.Get("Accept-Encoding"))
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			_, _ = w.Write(body)
			return
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(body)
		_ = zw.Close()
		compressedBytes.Store(int64(buf.Len()))
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write(buf.Bytes())
	}))
	t.Cleanup(srv.Close)

	res, err := testFetcher().Fetch(context.Background(), srv.URL, Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if ae, _ := acceptEncoding.Load().(string); !strings.Contains(ae, "gzip") {
		t.Fatalf("Accept-Encoding = %q, want gzip offered", ae)
	}
	if n := compressedBytes.Load(); n == 0 || n >= int64(len(body)) {
		t.Fatalf("server sent %d compressed bytes for a %d-byte body; gzip was not used", n, len(body))
	}
	if !bytes.Equal(res.Body, body) {
		t.Errorf("decoded body is %d bytes, want the %d-byte document", len(res.Body), len(body))
	}
}

func TestFetchSizeCap(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("x"), 2000)
	for _, chunked := range []bool{false, true} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if chunked {
				w.(http.Flusher).Flush() // no Content-Length: the cap must hold while reading
			}
			_, _ = w.Write(big)
		}))
		f := NewFetcher(FetcherOptions{AllowPrivate: true, MaxBodyBytes: 1000})
		_, err := f.Fetch(context.Background(), srv.URL, Validators{})
		srv.Close()
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("chunked=%v: err = %v, want ErrTooLarge", chunked, err)
		}
	}
}

func TestFetchRedirects(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	srv.setFile(t, "/new.xml", "rss20.xml", "application/rss+xml")
	mux := http.NewServeMux()
	mux.Handle("/", srv.Config.Handler)
	redirect := func(from, to string, code int) {
		mux.HandleFunc(from, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, code) })
	}
	redirect("/moved301", "/new.xml", http.StatusMovedPermanently)
	redirect("/moved308", "/moved301", http.StatusPermanentRedirect)
	redirect("/temp302", "/new.xml", http.StatusFound)
	redirect("/mixed", "/temp302", http.StatusMovedPermanently)
	redirect("/loop", "/loop", http.StatusFound)
	redirect("/ftp", "ftp://example.com/feed", http.StatusFound)
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)

	tests := []struct {
		path      string
		permanent string // "" = no URL update
		err       error
	}{
		{"/moved301", "/new.xml", nil},
		{"/moved308", "/new.xml", nil},
		{"/temp302", "", nil},
		{"/mixed", "", nil},
		{"/loop", "", ErrTooManyRedirects},
		{"/ftp", "", ErrBadScheme},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, err := testFetcher().Fetch(context.Background(), front.URL+tt.path, Validators{})
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			want := ""
			if tt.permanent != "" {
				want = front.URL + tt.permanent
			}
			if res.PermanentRedirect != want {
				t.Errorf("PermanentRedirect = %q, want %q", res.PermanentRedirect, want)
			}
			if res.FinalURL != front.URL+"/new.xml" {
				t.Errorf("FinalURL = %q", res.FinalURL)
			}
		})
	}
}

func TestFetchStatusAndHints(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		status int
		header map[string]string
		isGone bool
		code   int
		min    time.Duration
	}{
		{"410 gone", http.StatusGone, nil, true, 410, 0},
		{"404", http.StatusNotFound, nil, false, 404, 0},
		{"429 seconds", http.StatusTooManyRequests, map[string]string{"Retry-After": "120"}, false, 429, 2 * time.Minute},
		{"503 date", http.StatusServiceUnavailable, map[string]string{"Retry-After": now.Add(time.Hour).Format(http.TimeFormat)}, false, 503, time.Hour},
		{"503 huge", http.StatusServiceUnavailable, map[string]string{"Retry-After": "99999999"}, false, 503, 24 * time.Hour},
		{"200 max-age", http.StatusOK, map[string]string{"Cache-Control": "public, max-age=1800"}, false, 0, 30 * time.Minute},
		{"200 no-cache", http.StatusOK, map[string]string{"Cache-Control": "no-cache"}, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(`<rss version="2.0"><channel><title>t</title></channel></rss>`))
			}))
			defer srv.Close()
			f := NewFetcher(FetcherOptions{AllowPrivate: true, Now: func() time.Time { return now }})
			res, err := f.Fetch(context.Background(), srv.URL, Validators{})
			if errors.Is(err, ErrGone) != tt.isGone {
				t.Errorf("errors.Is(err, ErrGone) = %v, want %v (err %v)", !tt.isGone, tt.isGone, err)
			}
			var se *StatusError
			if tt.code != 0 && (!errors.As(err, &se) || se.Code != tt.code) {
				t.Errorf("err = %v, want a StatusError %d", err, tt.code)
			}
			if tt.code == 0 && err != nil {
				t.Fatalf("err = %v", err)
			}
			if res == nil || res.MinInterval != tt.min {
				t.Errorf("MinInterval = %v, want %v", res, tt.min)
			}
		})
	}
}

func TestFetchRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	srv.setFile(t, "/feed.xml", "rss20.xml", "application/rss+xml")
	ctx := context.Background()

	strict := NewFetcher(FetcherOptions{})
	_, err := strict.Fetch(ctx, srv.URL+"/feed.xml", Validators{})
	if !errors.Is(err, netguard.ErrPrivateAddress) {
		t.Fatalf("loopback without AllowPrivate: err = %v, want netguard.ErrPrivateAddress", err)
	}
	if !strings.Contains(err.Error(), "SPINDLE_ALLOW_PRIVATE_URLS") {
		t.Errorf("error %q does not say how to allow it", err)
	}
	// A name, not a literal address, is caught after resolution.
	host := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	if _, err := strict.Fetch(ctx, host+"/feed.xml", Validators{}); !errors.Is(err, netguard.ErrPrivateAddress) {
		t.Errorf("localhost: err = %v, want netguard.ErrPrivateAddress", err)
	}
	if len(srv.served()) != 0 {
		t.Errorf("server saw %d requests; a refused address must not be contacted", len(srv.served()))
	}
	if _, err := testFetcher().Fetch(ctx, srv.URL+"/feed.xml", Validators{}); err != nil {
		t.Errorf("with AllowPrivate: %v", err)
	}
	for _, bad := range []string{"file:///etc/passwd", "gopher://x", "/relative", "http://"} {
		if _, err := strict.Fetch(ctx, bad, Validators{}); err == nil {
			t.Errorf("Fetch(%q) succeeded, want an error", bad)
		}
	}
}

// TestFetchRefusesRedirectToPrivate: a feed host that passes the guard (its address exempt,
// standing in for a public host) answers with a redirect to an internal server, and to the
// cloud metadata address; the fetch fails with netguard's error and the internal server
// never hears a request.
func TestFetchRefusesRedirectToPrivate(t *testing.T) {
	t.Parallel()
	internal := newFeedServer(t)
	internal.setFile(t, "/feed.xml", "rss20.xml", "application/rss+xml")
	for _, target := range []string{internal.URL + "/feed.xml", "http://169.254.169.254/latest/meta-data/"} {
		public := httptest.NewServer(http.RedirectHandler(target, http.StatusMovedPermanently))
		t.Cleanup(public.Close)
		u, _ := url.Parse(public.URL)
		f := NewFetcher(FetcherOptions{Guard: netguard.New(netguard.Options{
			Exempt: []netip.AddrPort{netip.MustParseAddrPort(u.Host)}})})
		_, err := f.Fetch(t.Context(), public.URL+"/feed.xml", Validators{})
		if !errors.Is(err, netguard.ErrPrivateAddress) {
			t.Fatalf("redirect to %s: err = %v, want netguard.ErrPrivateAddress", target, err)
		}
	}
	if n := len(internal.served()); n != 0 {
		t.Fatalf("the internal server was reached %d times", n)
	}
}
