package threadstest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func pngBytes(n int) []byte {
	return append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, n)...)
}

func jpegBytes(n int) []byte {
	return append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{0}, n)...)
}

func mp4Bytes(n int) []byte {
	return append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), bytes.Repeat([]byte{0}, n)...)
}

type mediaServer struct {
	*httptest.Server
	mu     sync.Mutex
	agents []string
}

// serveMedia serves body with the given content type at every path.
func serveMedia(t *testing.T, contentType string, body []byte) *mediaServer {
	t.Helper()
	ms := &mediaServer{}
	ms.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ms.mu.Lock()
		ms.agents = append(ms.agents, r.UserAgent())
		ms.mu.Unlock()
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(ms.Close)
	return ms
}

func TestMediaFetchSuccess(t *testing.T) {
	png := serveMedia(t, "image/png", pngBytes(1000))
	jpg := serveMedia(t, "", jpegBytes(1000)) // no Content-Type: sniffed
	mp4 := serveMedia(t, "video/mp4", mp4Bytes(5000))
	f := newFixture(t, Options{})
	f.publish(t, f.create(t, "media_type", "IMAGE", "image_url", png.URL+"/a.png", "text", "png"))
	f.publish(t, f.create(t, "media_type", "IMAGE", "image_url", jpg.URL+"/b.jpg"))
	f.publish(t, f.create(t, "media_type", "VIDEO", "video_url", mp4.URL+"/c.mp4"))
	got := f.sim.Fetched()
	if len(got) != 3 {
		t.Fatalf("fetched %d, want 3: %+v", len(got), got)
	}
	want := []struct{ url, kind, ct string }{
		{png.URL + "/a.png", "IMAGE", "image/png"},
		{jpg.URL + "/b.jpg", "IMAGE", "image/jpeg"},
		{mp4.URL + "/c.mp4", "VIDEO", "video/mp4"},
	}
	for i, w := range want {
		g := got[i]
		if g.URL != w.url || g.MediaType != w.kind || g.ContentType != w.ct || g.Err != "" || g.StatusCode != 200 || g.Bytes == 0 {
			t.Errorf("fetch %d = %+v, want %v", i, g, w)
		}
	}
	if !strings.HasPrefix(png.agents[0], "facebookexternalhit/") {
		t.Errorf("user agent %q, want Meta's crawler", png.agents[0])
	}
	l := f.sim.Ledger()
	if l[0].Media[0] != (MediaItem{Kind: "IMAGE", URL: png.URL + "/a.png"}) || l[2].Media[0].Kind != "VIDEO" {
		t.Errorf("ledger media: %+v", l)
	}
}

func TestImageFetchFailuresAreSynchronous(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	goneURL := gone.URL
	gone.Close()
	notFound := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notFound.Close)
	redirect := httptest.NewServer(http.RedirectHandler("https://elsewhere.example/a.png", http.StatusFound))
	t.Cleanup(redirect.Close)
	html := serveMedia(t, "text/html", []byte("<html>nope</html>"))
	lying := serveMedia(t, "image/png", []byte("<html>not a png</html>"))
	webp := serveMedia(t, "image/webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	big := serveMedia(t, "image/png", pngBytes(8<<20))
	f := newFixture(t, Options{})
	for name, u := range map[string]string{
		"unreachable":          goneURL + "/a.png",
		"404":                  notFound.URL + "/a.png",
		"redirect":             redirect.URL + "/a.png",
		"html":                 html.URL + "/a.png",
		"body is not an image": lying.URL + "/a.png",
		"webp":                 webp.URL + "/a.webp",
		"over 8 MB":            big.URL + "/a.png",
	} {
		t.Run(name, func(t *testing.T) {
			a := f.post(t, "/v1.0/me/threads", vals("media_type", "IMAGE", "image_url", u))
			e := a.wantGraphError(t, 400, 1, 2207052)
			if e["message"] != "An unknown error occurred" {
				t.Errorf("message = %v", e["message"])
			}
		})
	}
	fetched := f.sim.Fetched()
	if len(fetched) != 7 {
		t.Fatalf("fetched %d, want 7", len(fetched))
	}
	for _, fe := range fetched {
		if fe.Err == "" {
			t.Errorf("fetch of %s recorded as a success", fe.URL)
		}
	}
	if n := len(f.sim.Ledger()); n != 0 {
		t.Errorf("ledger has %d entries", n)
	}
}

func TestRedirectsFollowedWhenConfigured(t *testing.T) {
	png := serveMedia(t, "image/png", pngBytes(10))
	redirect := httptest.NewServer(http.RedirectHandler(png.URL+"/final.png", http.StatusFound))
	t.Cleanup(redirect.Close)
	f := newFixture(t, Options{FollowMediaRedirects: true})
	f.create(t, "media_type", "IMAGE", "image_url", redirect.URL+"/a.png")
}

func TestMaxImageBytesIsConfigurable(t *testing.T) {
	png := serveMedia(t, "image/png", pngBytes(2000))
	f := newFixture(t, Options{MaxImageBytes: 1000})
	f.post(t, "/v1.0/me/threads", vals("media_type", "IMAGE", "image_url", png.URL+"/a.png")).wantGraphError(t, 400, 1, 2207052)
}

func TestVideoFetchFailuresAreAsynchronous(t *testing.T) {
	notFound := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notFound.Close)
	text := serveMedia(t, "text/plain", []byte("hello"))
	f := newFixture(t, Options{ProcessingDelays: Delays{Video: time.Minute}})
	for name, tc := range map[string]struct{ url, want string }{
		"404":       {notFound.URL + "/v.mp4", "FAILED_DOWNLOADING_VIDEO"},
		"not video": {text.URL + "/v.mp4", "UNKNOWN"},
	} {
		t.Run(name, func(t *testing.T) {
			id := f.create(t, "media_type", "VIDEO", "video_url", tc.url)
			if got := f.status(t, id); got != StatusInProgress {
				t.Errorf("status = %s, want IN_PROGRESS while processing", got)
			}
			f.clock.Advance(time.Minute)
			a := f.get(t, "/v1.0/"+id, vals("fields", "status,error_message"))
			if a.body["status"] != StatusError || a.body["error_message"] != tc.want {
				t.Errorf("got %s, want ERROR %s", a.raw, tc.want)
			}
		})
	}
}

func TestSlowMediaTimesOut(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); slow.Close() })
	f := newFixture(t, Options{FetchTimeout: 50 * time.Millisecond})
	f.post(t, "/v1.0/me/threads", vals("media_type", "IMAGE", "image_url", slow.URL+"/a.png")).wantGraphError(t, 400, 1, 2207052)
}
