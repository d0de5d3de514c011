package webhook

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
)

func FuzzParseBody(f *testing.F) {
	for _, s := range []string{
		`{"text":"hi"}`, `{"text":"Release v1.2 is out","media":[{"kind":"image","url":"https://a.example/a.png","alt_text":"x"}],
		"scheduled_at":"2026-12-01T09:00:00Z","reply_to_id":"1","idempotency_key":"deploy-881","callback_url":"https://ci.example.com/cb"}`,
		`{"media":[{"kind":"video","url":"http://a"}],"thread":true}`, `{"text":null}`, `[]`, `null`, `{"text":"a","x":1}`,
		`{"media":[{}]}`, `{"text":"\u0000"}`, `{"text":"a","scheduled_at":"2026-02-30T25:00:00Z"}`, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBody(data)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Reason == "" {
				t.Fatalf("error %v (%T) is not a *FieldError with a reason", err, err)
			}
			return
		}
		if strings.TrimSpace(b.Text) == "" && len(b.Media) == 0 {
			t.Fatal("accepted a body with neither text nor media")
		}
		if len(b.Media) > maxMedia {
			t.Fatalf("accepted %d media", len(b.Media))
		}
		for _, m := range b.Media {
			if (m.Kind != ingest.MediaImage && m.Kind != ingest.MediaVideo) || checkURL("url", m.URL) != nil || m.URL == "" {
				t.Fatalf("accepted media %+v", m)
			}
		}
		if CheckIdempotencyKey(b.IdempotencyKey) != nil || checkURL("callback_url", b.CallbackURL) != nil {
			t.Fatalf("accepted %+v", b)
		}
	})
}

func FuzzRenderTemplate(f *testing.F) {
	f.Add("{{.title}}", `{"title":"x"}`)
	f.Add("🚀 {{.repository.full_name}} {{.release.tag_name}}{{with trim .release.name}}: {{.}}{{end}}", `{"release":{"name":null}}`)
	f.Add(`{{.html | stripHTML | truncate 5}}`, `{"html":"<p>a &amp; b</p>"}`)
	f.Add(`{{range .l}}{{firstLine .}}{{end}}`, `{"l":["a\nb",1,null,{"x":[]}]}`)
	f.Add(`{{index .l 3}}`, `{"l":[]}`)
	f.Add(`{{truncate -1 .x}}{{default 1 .y}}{{trimPrefix "a" .z}}`, `{"x":"abc"}`)
	f.Add(`{{range 5}}x{{end}}`, `{}`)
	f.Fuzz(func(t *testing.T, src, payload string) {
		tm, err := CompileTemplate(src)
		if err != nil {
			return
		}
		data, err := DecodePayload([]byte(payload))
		if err != nil {
			return
		}
		out, err := tm.Render(context.Background(), data)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "template" {
				t.Fatalf("render error %v (%T) is not a template FieldError", err, err)
			}
			return
		}
		if len(out) > maxTemplateOutput {
			t.Fatalf("output %d bytes over the cap", len(out))
		}
		if strings.Contains(out, "<no value>") {
			t.Fatalf("output holds <no value>: %q", out)
		}
	})
}

// FuzzVerifyStandardHeader feeds arbitrary Standard Webhooks headers: parsing must not panic,
// and Verify must accept only when the header really carries the right HMAC.
func FuzzVerifyStandardHeader(f *testing.F) {
	f.Add(swVectorID, strconv.Itoa(swVectorTS), swVectorSig, []byte(swVectorBody))
	f.Add(swVectorID, strconv.Itoa(swVectorTS), "v1a,abc v1,"+swVectorSig[3:]+" v1,", []byte(swVectorBody))
	f.Add("msg.1", "1614265330", "v1,", []byte("{}"))
	f.Add("", "-1", ",,, v1,,==", []byte(nil))
	f.Add("id", "99999999999999999999", "v1,AAAA", []byte("x"))
	key, _ := standardKey(swVectorSecret)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", sig)
		_, _ = parseStandardHeaders(h)
		now := swVectorTime
		if n, err := strconv.ParseInt(ts, 10, 64); err == nil {
			now = time.Unix(n, 0)
		}
		v, err := Verify(SchemeStandard, []string{swVectorSecret}, h, body, now)
		if err != nil {
			if !errors.Is(err, ErrMissingSignature) && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrStale) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		n, _ := strconv.ParseInt(h.Get("webhook-timestamp"), 10, 64)
		want := "v1," + base64.StdEncoding.EncodeToString(standardMAC(key, h.Get("webhook-id"), n, body))
		if !strings.Contains(" "+h.Get("webhook-signature")+" ", " "+want+" ") || v.DeliveryID != h.Get("webhook-id") {
			t.Fatalf("false accept: id %q ts %q sig %q", id, ts, sig)
		}
	})
}

// FuzzVerifyGitHubHeader: only the exact HMAC of the body is accepted.
func FuzzVerifyGitHubHeader(f *testing.F) {
	f.Add(ghVectorSig, []byte(ghVectorBody))
	f.Add("sha256=", []byte("x"))
	f.Add("sha256="+strings.Repeat("0", 64), []byte("x"))
	f.Add("SHA256=757107EA", []byte(ghVectorBody))
	f.Fuzz(func(t *testing.T, sig string, body []byte) {
		h := http.Header{}
		h.Set("X-Hub-Signature-256", sig)
		_, err := Verify(SchemeGitHub, []string{ghVectorSecret}, h, body, time.Now())
		if err != nil {
			return
		}
		got := strings.ToLower(strings.TrimPrefix(h.Get("X-Hub-Signature-256"), "sha256="))
		want, _ := Sign(SchemeGitHub, ghVectorSecret, body, time.Now())
		if "sha256="+got != want.Get("X-Hub-Signature-256") {
			t.Fatalf("false accept of %q", sig)
		}
	})
}
