package threadstest

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"time"
)

// Fetch records one media download the simulator made, as Meta would from
// image_url or video_url. A test reads them with Fetched to prove that
// media was really served to "Meta".
type Fetch struct {
	URL         string
	MediaType   string // IMAGE or VIDEO
	StatusCode  int    // 0 when no answer came
	ContentType string // as sent, or sniffed when the header was missing
	Bytes       int64
	// Err says why the fetch failed; empty on success.
	Err string
	At  time.Time

	errorMessage string // the container error_message a failed video gets
}

// Fetched returns every media fetch so far, oldest first.
func (s *Server) Fetched() []Fetch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.fetched)
}

var (
	imageTypes = []string{"image/jpeg", "image/png"}
	videoTypes = []string{"video/mp4", "video/quicktime"}
)

// fetchMedia downloads url the way Meta's crawler does: GET, no redirects
// unless configured, a time limit, a size cap, and a content type it can
// process (JPEG or PNG; MP4 or MOV). The body's own signature must agree
// with an image's declared type.
func (s *Server) fetchMedia(ctx context.Context, kind, url string) Fetch {
	f := Fetch{URL: url, MediaType: kind, At: s.now()}
	s.doFetch(ctx, &f)
	s.mu.Lock()
	s.fetched = append(s.fetched, f)
	s.mu.Unlock()
	return f
}

func (s *Server) doFetch(ctx context.Context, f *Fetch) {
	fail := func(errorMessage, format string, args ...any) {
		f.Err = fmt.Sprintf(format, args...)
		f.errorMessage = errorMessage
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		fail("FAILED_DOWNLOADING_VIDEO", "bad URL: %v", err)
		return
	}
	req.Header.Set("User-Agent", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)")
	resp, err := s.fetch.Do(req)
	if err != nil {
		fail("FAILED_DOWNLOADING_VIDEO", "download failed: %v", err)
		return
	}
	defer resp.Body.Close()
	f.StatusCode = resp.StatusCode
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		fail("FAILED_DOWNLOADING_VIDEO", "download answered HTTP %d", resp.StatusCode)
		return
	}
	limit := s.opts.MaxImageBytes
	allowed := imageTypes
	if f.MediaType == "VIDEO" {
		limit, allowed = s.opts.MaxVideoBytes, videoTypes
	}
	if resp.ContentLength > limit {
		fail("FAILED_DOWNLOADING_VIDEO", "media is %d bytes, over the %d-byte limit", resp.ContentLength, limit)
		return
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(resp.Body, head)
	head = head[:n]
	rest, err := io.Copy(io.Discard, io.LimitReader(resp.Body, limit+1-int64(n)))
	f.Bytes = int64(n) + rest
	if err != nil {
		fail("FAILED_DOWNLOADING_VIDEO", "download interrupted: %v", err)
		return
	}
	if f.Bytes > limit {
		fail("FAILED_DOWNLOADING_VIDEO", "media is over the %d-byte limit", limit)
		return
	}
	declared, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(head))
	f.ContentType = declared
	if declared == "" || declared == "application/octet-stream" {
		f.ContentType = sniffed
	}
	switch {
	case !slices.Contains(allowed, f.ContentType):
		fail("UNKNOWN", "content type %q is not one of %v", f.ContentType, allowed)
	case f.MediaType == "IMAGE" && sniffed != f.ContentType:
		fail("UNKNOWN", "body is %s, not the declared %s", sniffed, f.ContentType)
	}
}

// errImageFetch is the synchronous answer to an image Meta could not fetch
// (observed: code 1, subcode 2207052).
func errImageFetch(url string) GraphError {
	return GraphError{Code: 1, Subcode: 2207052, Message: "An unknown error occurred",
		UserTitle: "Media download has failed.", UserMsg: "The media could not be fetched from this URI: " + url}
}
