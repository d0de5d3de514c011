package rss

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestAddRefusalsSayWhatHappened: `feeds add` of a feed that cannot be read says what
// happened in plain words, and never that Spindle keeps retrying a feed it did not add, nor
// Go's transport text (`context deadline exceeded (Client.Timeout exceeded …)`).
func TestAddRefusalsSayWhatHappened(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	b := setupManager(t, func(o *ManagerOptions) {
		o.Fetcher = NewFetcher(FetcherOptions{Version: "test", AllowPrivate: true, Timeout: 300 * time.Millisecond})
	})
	b.srv.setFile(t, "/broken.xml", "malformed.xml", "application/rss+xml")
	b.srv.set("/page", []byte("<!doctype html><html><body>Home</body></html>"), "text/html")
	mux := http.NewServeMux()
	mux.HandleFunc("/slow.xml", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/busy.xml", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
	})
	other := httptest.NewServer(mux)
	defer other.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/feed.xml"
	l.Close()

	const tail = ". Nothing was saved; fix the URL or try again later"
	const head = "could not read the feed, so it was not added: "
	tests := []struct{ name, url, want string }{
		{"malformed", b.srv.URL + "/broken.xml", head + "feed SRV/broken.xml: invalid feed: the publisher's feed is malformed (MALFORMED); " +
			"only its publisher can fix it" + tail},
		{"web page", b.srv.URL + "/page", head + "feed SRV/page: not a feed: the URL serves a web page (HTML), not RSS, Atom or JSON Feed; " +
			"use the feed's own URL (the site's RSS or Atom link)" + tail},
		{"404", b.srv.URL + "/missing.xml", head + "the feed server answered 404 Not Found: check the feed URL" + tail},
		{"timeout", other.URL + "/slow.xml", head + "the feed server did not answer in time" + tail},
		{"429", other.URL + "/busy.xml", head + "the feed server answered 429 Too Many Requests: it asks to be polled less often" + tail},
		{"connection refused", closed, head + "the feed server refused the connection: nothing answers at that address and port" + tail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.m.Add(context.Background(), AddRequest{AccountID: b.account.ID, URL: tt.url})
			want := strings.ReplaceAll(tt.want, "SRV", b.srv.URL)
			if err != nil && strings.Contains(want, "MALFORMED") { // the XML parser's own words
				if i, j := strings.Index(err.Error(), "malformed ("), strings.Index(err.Error(), "); only"); i > 0 && j > i {
					want = strings.Replace(want, "MALFORMED", err.Error()[i+len("malformed ("):j], 1)
				}
			}
			if err == nil || err.Error() != want {
				t.Fatalf("got  %v\nwant %s", err, want)
			}
		})
	}
	if fs, _ := b.m.List(context.Background(), AllAccounts()); len(fs) != 0 {
		t.Fatalf("refused feeds were stored: %+v", fs)
	}
}
