package rss

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// feedServer serves feed documents over real HTTP the way a well-behaved publisher does:
// each document has a strong ETag and a Last-Modified date, and a conditional request
// that matches either is answered 304 with no body.
type feedServer struct {
	*httptest.Server
	mu   sync.Mutex
	docs map[string]*doc
	log  []served
}

type doc struct {
	body        []byte
	contentType string
	etag        string
	modified    time.Time
	header      http.Header // extra response headers
}

type served struct {
	path        string
	status      int
	ifNoneMatch string
	ifModSince  string
	userAgent   string
	acceptEnc   string
}

func newFeedServer(t testing.TB) *feedServer {
	t.Helper()
	s := &feedServer{docs: map[string]*doc{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// set publishes body at path; every change gets a new ETag and a later Last-Modified.
func (s *feedServer) set(path string, body []byte, contentType string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := sha256.Sum256(body)
	modified := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if old, ok := s.docs[path]; ok {
		modified = old.modified.Add(time.Hour)
	}
	s.docs[path] = &doc{body: body, contentType: contentType, etag: `"` + hex.EncodeToString(sum[:8]) + `"`,
		modified: modified, header: http.Header{}}
}

// setFile publishes a fixture from testdata.
func (s *feedServer) setFile(t testing.TB, path, name, contentType string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	s.set(path, b, contentType)
}

func (s *feedServer) header(path, key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[path].header.Set(key, value)
}

func (s *feedServer) served() []served {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]served(nil), s.log...)
}

func (s *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	d, ok := s.docs[r.URL.Path]
	rec := served{path: r.URL.Path, ifNoneMatch: r.Header.Get("If-None-Match"),
		ifModSince: r.Header.Get("If-Modified-Since"), userAgent: r.Header.Get("User-Agent"),
		acceptEnc: r.Header.Get("Accept-Encoding")}
	status := http.StatusOK
	switch {
	case !ok:
		status = http.StatusNotFound
	case rec.ifNoneMatch != "":
		if rec.ifNoneMatch == d.etag {
			status = http.StatusNotModified
		}
	case rec.ifModSince != "":
		if t, err := http.ParseTime(rec.ifModSince); err == nil && !d.modified.After(t) {
			status = http.StatusNotModified
		}
	}
	rec.status = status
	s.log = append(s.log, rec)
	s.mu.Unlock()

	if !ok {
		http.NotFound(w, r)
		return
	}
	for k, v := range d.header {
		w.Header()[k] = v
	}
	w.Header().Set("ETag", d.etag)
	w.Header().Set("Last-Modified", d.modified.Format(http.TimeFormat))
	if status == http.StatusNotModified {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", d.contentType)
	_, _ = w.Write(d.body)
}

// testFetcher fetches from loopback test servers.
func testFetcher() *Fetcher {
	return NewFetcher(FetcherOptions{Version: "test", AllowPrivate: true, Timeout: 5 * time.Second})
}
