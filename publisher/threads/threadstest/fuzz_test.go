package threadstest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func FuzzParseFields(f *testing.F) {
	for _, s := range []string{"", "id", "id,status,error_message", "children{id,media_type},owner", "a{b{c}}", "{", "}", ",,", "x{"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		fields, gerr := parseFields(v, "id")
		if gerr != nil {
			if gerr.Code != 100 {
				t.Errorf("parseFields(%q) error code %d, want 100", v, gerr.Code)
			}
			return
		}
		for _, fl := range fields {
			if strings.ContainsAny(fl.name, ",{}") {
				t.Errorf("parseFields(%q) gave name %q", v, fl.name)
			}
		}
	})
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add("", 0)
	f.Add(encodeCursor(7), 7)
	f.Add("c2ltOi0x", 12)
	f.Fuzz(func(t *testing.T, c string, n int) {
		if got, ok := decodeCursor(c); ok && got < 0 {
			t.Errorf("decodeCursor(%q) = %d", c, got)
		}
		if n >= 0 {
			if got, ok := decodeCursor(encodeCursor(n)); !ok || got != n {
				t.Errorf("round trip %d: %d %v", n, got, ok)
			}
		}
	})
}

func FuzzListQuery(f *testing.F) {
	f.Add("25", "1700000000", "", "", "")
	f.Add("0", "", "2026-01-01", encodeCursor(1), "")
	f.Add("-1", "x", "1", "", "!!")
	f.Fuzz(func(t *testing.T, limit, since, until, before, after string) {
		q, gerr := parseListQuery(vals("limit", limit, "since", since, "until", until, "before", before, "after", after))
		if gerr == nil && (q.limit < 1 || q.limit > MaxListLimit) {
			t.Errorf("accepted limit %d", q.limit)
		}
	})
}

// FuzzCreateContainer drives container creation in-process with arbitrary
// parameters: every answer must be JSON, a container id or a Graph error,
// never a 5xx.
func FuzzCreateContainer(f *testing.F) {
	sim := NewUnstartedServer(Options{})
	u := sim.AddUser("fuzz")
	token := sim.IssueToken(u.ID, appScopes...)
	f.Add("TEXT", "hello https://a.example", "", "", "", "", "false")
	f.Add("CAROUSEL", "", "1,2", "", "", "", "")
	f.Add("TEXT", strings.Repeat("👍", 130), "", "https://x.example", "tag", "everyone", "true")
	f.Add("IMAGE", "", "", "", "", "", "1")
	f.Add("TEXT", "x", "", "", "a.b", `{"option_a":"y","option_b":"n"}`, "")
	f.Fuzz(func(t *testing.T, mediaType, text, children, link, topic, poll, auto string) {
		form := url.Values{"access_token": {token}, "media_type": {mediaType}, "text": {text},
			"children": {children}, "link_attachment": {link}, "topic_tag": {topic},
			"poll_attachment": {poll}, "auto_publish_text": {auto}}
		req := httptest.NewRequest(http.MethodPost, "/v1.0/me/threads", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("answer is not JSON: %d %q", rec.Code, rec.Body)
		}
		switch {
		case rec.Code == 200:
			if _, ok := body["id"].(string); !ok {
				t.Errorf("200 without id: %s", rec.Body)
			}
		case rec.Code >= 500:
			t.Errorf("5xx: %d %s", rec.Code, rec.Body)
		default:
			if _, ok := body["error"].(map[string]any); !ok {
				t.Errorf("error without Graph envelope: %d %s", rec.Code, rec.Body)
			}
		}
	})
}
