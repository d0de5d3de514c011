package ingest

import (
	"testing"
	"time"
)

// TestRequestDigest: requests that ask for different posts never share a fingerprint, even
// when their fields concatenate to the same text; the same post asked twice always does.
func TestRequestDigest(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	img := func(url, alt string) []Media { return []Media{{Kind: MediaImage, URL: url, AltText: alt}} }
	base := Request{Text: "ab", Media: img("https://a.example/x.png", "")}
	differ := map[string]Request{
		"text moved into alt text": {Text: "a", Media: img("https://a.example/x.png", "b")},
		"another text":             {Text: "abc", Media: base.Media},
		"video instead of image":   {Text: "ab", Media: []Media{{Kind: MediaVideo, URL: "https://a.example/x.png"}}},
		"no media":                 {Text: "ab"},
		"scheduled":                {Text: "ab", Media: base.Media, ScheduledAt: at},
		"a reply":                  {Text: "ab", Media: base.Media, ReplyToID: "1790"},
		"a thread":                 {Text: "ab", Media: base.Media, Thread: true},
		"a topic":                  {Text: "ab", Media: base.Media, TopicTag: "go"},
	}
	for name, r := range differ {
		if RequestDigest(r) == RequestDigest(base) {
			t.Errorf("%s: same digest as the base request", name)
		}
	}
	same := map[string]Request{
		"another request id and origin": {Text: "ab", Media: base.Media, RequestID: "r2", Origin: Origin{Door: DoorAPI}},
		"another key":                   {Text: "ab", Media: base.Media, IdempotencyKey: "other"},
	}
	for name, r := range same {
		if RequestDigest(r) != RequestDigest(base) {
			t.Errorf("%s: digest changed", name)
		}
	}
	inParis := Request{Text: "x", ScheduledAt: at.In(time.FixedZone("CET", 3600))}
	if RequestDigest(inParis) != RequestDigest(Request{Text: "x", ScheduledAt: at}) {
		t.Error("the same instant in another zone changed the digest")
	}
	if RequestDigest(Request{TopicTag: "#go"}) != RequestDigest(Request{TopicTag: "go"}) {
		t.Error("#go and go are one topic")
	}
}

// The same key sent to post now and to queue by slot is two different requests.
func TestRequestDigestTellsBySlot(t *testing.T) {
	r := Request{Text: "hello", AccountID: 1}
	q := r
	q.BySlot = true
	if RequestDigest(r) == RequestDigest(q) {
		t.Error("a post now and a post by slot have the same digest")
	}
}
