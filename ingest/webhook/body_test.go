package webhook

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
)

func TestParseBodyFull(t *testing.T) {
	b, err := ParseBody([]byte(`{"text": "Release v1.2 is out",
		"media": [{"kind": "image", "url": "https://cdn.example.com/a.png", "alt_text": "a chart"},
		          {"kind": "video", "url": "https://cdn.example.com/b.mp4"}],
		"scheduled_at": "2026-12-01T09:00:00+01:00", "reply_to_id": "179", "quote_id": "180",
		"link_attachment": "https://example.com/notes", "topic_tag": "golang", "thread": true,
		"idempotency_key": "deploy-881", "callback_url": "https://ci.example.com/spindle-result"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Body{
		Text: "Release v1.2 is out",
		Media: []ingest.Media{
			{Kind: ingest.MediaImage, URL: "https://cdn.example.com/a.png", AltText: "a chart"},
			{Kind: ingest.MediaVideo, URL: "https://cdn.example.com/b.mp4"},
		},
		ScheduledAt: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC),
		ReplyToID:   "179", QuoteID: "180", LinkAttachment: "https://example.com/notes", TopicTag: "golang",
		Thread: true, IdempotencyKey: "deploy-881", CallbackURL: "https://ci.example.com/spindle-result",
	}
	if !b.ScheduledAt.Equal(want.ScheduledAt) {
		t.Fatalf("ScheduledAt = %v, want %v", b.ScheduledAt, want.ScheduledAt)
	}
	b.ScheduledAt = want.ScheduledAt
	if !reflect.DeepEqual(b, want) {
		t.Fatalf("got  %+v\nwant %+v", b, want)
	}
	r := b.Request()
	if r.Text != want.Text || len(r.Media) != 2 || !r.Thread || r.QuoteID != "180" || !r.ScheduledAt.Equal(want.ScheduledAt) {
		t.Fatalf("Request() = %+v", r)
	}
}

func TestParseBodyMinimal(t *testing.T) {
	for _, in := range []string{`{"text":"hi"}`, `{"text":"hi","media":null,"scheduled_at":null,"thread":null}`, " {\"text\":\"hi\"}\n"} {
		b, err := ParseBody([]byte(in))
		if err != nil || b.Text != "hi" || b.Media != nil || !b.ScheduledAt.IsZero() {
			t.Errorf("ParseBody(%s) = %+v, %v", in, b, err)
		}
	}
	b, err := ParseBody([]byte(`{"media":[{"kind":"image","url":"https://x.example/a.jpg"}]}`))
	if err != nil || len(b.Media) != 1 {
		t.Errorf("media-only body: %+v, %v", b, err)
	}
}

func TestParseBodyErrors(t *testing.T) {
	tests := []struct {
		name, in, field, reason string
	}{
		{"not json", `text=hi`, "", "body is not valid JSON: invalid character 'e' in literal true (expecting 'r') (at byte 2)"},
		{"array", `["hi"]`, "", "body must be a JSON object, got a JSON array"},
		{"null", `null`, "", "got null"},
		{"trailing data", `{"text":"hi"} x`, "", "body is not valid JSON: invalid character 'x' after top-level value"},
		{"truncated", `{"text":"hi"`, "", "body is not valid JSON: unexpected end of JSON input"},
		{"empty", ` `, "", "body is empty"},
		{"unknown field", `{"text":"hi","schedule_at":"2026-12-01T09:00:00Z"}`, "schedule_at", "unknown field"},
		{"no text no media", `{"thread":true}`, "text", "required"},
		{"blank text", `{"text":"   "}`, "text", "required"},
		{"text number", `{"text":42}`, "text", "must be a string"},
		{"thread string", `{"text":"hi","thread":"yes"}`, "thread", "true or false"},
		{"scheduled_at bad", `{"text":"hi","scheduled_at":"tomorrow"}`, "scheduled_at", "RFC 3339"},
		{"scheduled_at no zone", `{"text":"hi","scheduled_at":"2026-12-01T09:00:00"}`, "scheduled_at", "RFC 3339"},
		{"scheduled_at number", `{"text":"hi","scheduled_at":1764579600}`, "scheduled_at", "RFC 3339"},
		{"media object", `{"media":{"kind":"image"}}`, "media", "must be an array"},
		{"media item string", `{"media":["https://x/a.png"]}`, "media[0]", "must be an object"},
		{"media kind", `{"text":"x","media":[{"kind":"image","url":"https://a.example/1.png"},{"kind":"gif","url":"https://a.example/2.gif"}]}`,
			"media[1].kind", `must be "image" or "video"`},
		{"media kind missing", `{"media":[{"url":"https://a.example/1.png"}]}`, "media[0].kind", `must be "image" or "video"`},
		{"media url missing", `{"media":[{"kind":"image"}]}`, "media[0].url", "required"},
		{"media url relative", `{"media":[{"kind":"image","url":"/a.png"}]}`, "media[0].url", "absolute http or https"},
		{"media url ftp", `{"media":[{"kind":"image","url":"ftp://a.example/a.png"}]}`, "media[0].url", "absolute http or https"},
		{"media unknown field", `{"media":[{"kind":"image","url":"https://a.example/a.png","caption":"x"}]}`, "media[0].caption", "unknown field"},
		{"media alt_text number", `{"media":[{"kind":"image","url":"https://a.example/a.png","alt_text":1}]}`, "media[0].alt_text", "must be a string"},
		{"media too many", `{"media":[` + strings.Repeat(`{"kind":"image","url":"https://a.example/a.png"},`, 20) +
			`{"kind":"image","url":"https://a.example/a.png"}]}`, "media", "at most 20"},
		{"callback relative", `{"text":"hi","callback_url":"/cb"}`, "callback_url", "absolute http or https"},
		{"callback javascript", `{"text":"hi","callback_url":"javascript:alert(1)"}`, "callback_url", "absolute http or https"},
		{"link_attachment bad", `{"text":"hi","link_attachment":"example.com"}`, "link_attachment", "absolute http or https"},
		{"idempotency key long", `{"text":"hi","idempotency_key":"` + strings.Repeat("k", 256) + `"}`, "idempotency_key", "longer than 255"},
		{"idempotency key control", `{"text":"hi","idempotency_key":"a\u0000b"}`, "idempotency_key", "printable"},
		{"url too long", `{"text":"hi","callback_url":"https://a.example/` + strings.Repeat("a", 2048) + `"}`, "callback_url", "longer than 2048"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseBody([]byte(tt.in))
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v (%T), want *FieldError", err, err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Reason, tt.reason) {
				t.Fatalf("got field %q reason %q; want field %q reason containing %q", fe.Field, fe.Reason, tt.field, tt.reason)
			}
			if tt.field != "" && !strings.HasPrefix(err.Error(), tt.field+": ") {
				t.Fatalf("message %q does not start with the field", err.Error())
			}
		})
	}
}

func TestCheckSourceName(t *testing.T) {
	for _, ok := range []string{"ci", "release-bot", "a_b", "9lives"} {
		if err := CheckSourceName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-x", "CI", "a:b", "a/b", "a b", strings.Repeat("a", 65), "é"} {
		if err := CheckSourceName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestIdempotencyKeyPrecedence(t *testing.T) {
	tests := []struct {
		body, preset, delivery, want string
		strict                       bool
	}{
		{"k1", "github-release:9", "d1", "src:key:k1", true},
		{"", "github-release:9", "d1", "src:github-release:9", false},
		{"", "", "d1", "src:delivery:d1", true},
		{"", "", "", "", false},
	}
	for _, tt := range tests {
		if got, strict := idempotencyKey("src", tt.body, tt.preset, tt.delivery); got != tt.want || strict != tt.strict {
			t.Errorf("idempotencyKey(%q,%q,%q) = %q, %v; want %q, %v", tt.body, tt.preset, tt.delivery, got, strict, tt.want, tt.strict)
		}
	}
	// A key over the queue's limit (a 255-byte key under a long source name, a long GitLab
	// tag) is hashed instead of refused; it still tells keys apart and recognises repeats.
	long := strings.Repeat("k", 255)
	src := strings.Repeat("s", 64)
	a, _ := idempotencyKey(src, long, "", "")
	b, _ := idempotencyKey(src, long[1:], "", "")
	again, _ := idempotencyKey(src, long, "", "")
	if len(a) > ingest.MaxIdempotencyKey || !strings.HasPrefix(a, src+":sha256:") || a == b || a != again {
		t.Errorf("long keys: %q, %q, %q", a, b, again)
	}
}
