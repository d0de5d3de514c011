package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

// noQueue is a Queue for validation only; the fuzz target never enqueues.
type noQueue struct{}

func (noQueue) Enqueue(context.Context, storage.NewPost) (storage.Post, bool, error) {
	return storage.Post{}, false, errors.New("not in this test")
}

// noPosts knows no post: every replyToId or quotePostId is a media id or refused.
type noPosts struct{ Posts }

func (noPosts) Get(context.Context, string) (storage.Post, error) {
	return storage.Post{}, storage.ErrNotFound
}

// FuzzPostBody feeds REST post bodies, as a careless or hostile client might send them, through
// the API's decoding, its mapping to an ingest request and the preflight. Nothing may crash; a
// refusal is a 400, 413 or 415 with a message; an accepted body becomes the request it says; and
// the request's fingerprint, which tells an Idempotency-Key replay from a conflict, must not
// depend on how the JSON was spelled.
func FuzzPostBody(f *testing.F) {
	for _, s := range []struct{ body, contentType string }{
		{`{"text":"Shipping v2 today 🎉"}`, "application/json"},
		{`{"text":"Check this","mediaUrl":"https://cdn.example/clip.mp4?x=1"}`, ""},
		{`{"text":"Chart","mediaUrl":"https://cdn.example/a.png","mediaType":"IMAGE","altText":"a chart","account":"@brand"}`, "application/json; charset=utf-8"},
		{`{"text":"x","mediaUrl":"https://e.example/a.gif","mediaType":"GIF"}`, "application/json"},
		{`{"text":"later","scheduledAt":"2026-12-01T09:00:00Z"}`, "application/json"},
		{`{"TEXT":"case","text":"dup","mediatype":"video","mediaUrl":"https://v.example/x"}`, "application/json"},
		{`{"text":null,"mediaUrl":["x"]}`, "application/json"},
		{`{"text":"` + string(bytes.Repeat([]byte("é"), 600)) + `"}`, "application/json"},
		{`{"text":"a"} trailing`, "application/json"},
		{"text=hi", "application/x-www-form-urlencoded"},
		{"\xff\xfe", "application/json"},
		{"", ""},
		{`{"text":"a reply","replyToId":"18032251077019748","thread":true}`, "application/json"},
		{`{"text":"a quote","quotePostId":"p7k2m9"}`, "application/json"},
		{`{"text":"x","replyToId":"1e5","thread":1}`, "application/json"},
	} {
		f.Add([]byte(s.body), s.contentType)
	}
	h := &Handler{posts: noPosts{}}
	svc := ingest.NewService(ingest.Options{Queue: noQueue{}})
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		req, pr, ok := decodeOnce(t, body, contentType)
		if !ok {
			return
		}
		ir, err := h.request(req, pr, 1)
		if err != nil {
			if inv, ok := errors.AsType[*ingest.InvalidError](err); !ok || !slices.Contains([]string{"mediaType", "replyToId", "quotePostId"}, inv.Field) {
				t.Fatalf("request: %v", err)
			}
			return
		}
		if ir.Text != pr.Text || ir.KeyScope == "" || !ir.StrictKey || (pr.MediaURL == "") != (len(ir.Media) == 0) ||
			ir.ReplyToID != pr.ReplyToID || ir.QuoteID != pr.QuotePostID || ir.Thread != pr.Thread {
			t.Fatalf("%+v became %+v", pr, ir)
		}
		if len(ir.Media) == 1 && (!slices.Contains([]ingest.MediaKind{ingest.MediaImage, ingest.MediaVideo}, ir.Media[0].Kind) || ir.Media[0].URL != pr.MediaURL) {
			t.Fatalf("media %+v from %+v", ir.Media, pr)
		}
		if err := svc.Validate(ir); err != nil {
			for _, p := range ingest.Problems(err) {
				if p.Reason == "" {
					t.Fatalf("a refusal without a reason: %v", err)
				}
			}
		}
		// The same request spelled anew must be recognised as the same request.
		again, err := json.Marshal(pr)
		if err != nil {
			t.Fatal(err)
		}
		req2, pr2, ok := decodeOnce(t, again, "application/json")
		if !ok {
			t.Fatalf("re-encoded body %s refused", again)
		}
		ir2, err := h.request(req2, pr2, 1)
		if err != nil || ingest.RequestDigest(ir) != ingest.RequestDigest(ir2) {
			t.Fatalf("fingerprint changed with the spelling: %s vs %s (%v)", body, again, err)
		}
	})
}

// decodeOnce runs decode over one body and checks a refusal's answer.
func decodeOnce(t *testing.T, body []byte, contentType string) (*http.Request, postRequest, bool) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/api/threads/post", bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	r.Header.Set("Idempotency-Key", "k")
	w := httptest.NewRecorder()
	var pr postRequest
	if decode(w, r, &pr) {
		return r, pr, true
	}
	var answer errorBody
	switch {
	case !slices.Contains([]int{400, 413, 415}, w.Code):
		t.Fatalf("refused with %d", w.Code)
	case json.Unmarshal(w.Body.Bytes(), &answer) != nil || answer.Error == "":
		t.Fatalf("refusal without a message: %s", w.Body.Bytes())
	}
	return r, pr, false
}
