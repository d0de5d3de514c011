package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func newService(t *testing.T) (*ingest.Service, *storage.DB, int64, *atomic.Int32) {
	t.Helper()
	db := storagetest.Open(t, nil)
	acct := storagetest.Account(t, db, "alice")
	var woken atomic.Int32
	svc := ingest.NewService(ingest.Options{Queue: db, Wake: func() { woken.Add(1) }})
	return svc, db, acct.ID, &woken
}

func TestEnqueueValidRequests(t *testing.T) {
	svc, db, acct, woken := newService(t)
	ctx := context.Background()
	cli := ingest.Origin{Door: ingest.DoorCLI}
	cases := []struct {
		name string
		req  ingest.Request
	}{
		{"text", ingest.Request{Text: "hello"}},
		{"image", ingest.Request{Text: "a cat", Media: []ingest.Media{{Kind: ingest.MediaImage, URL: "https://e.com/cat.jpg", AltText: "a cat"}}}},
		{"carousel", ingest.Request{Media: []ingest.Media{{Kind: ingest.MediaImage, URL: "https://e.com/1.jpg"}, {Kind: ingest.MediaVideo, URL: "https://e.com/2.mp4"}}}},
		{"reply with topic", ingest.Request{Text: "me too", ReplyToID: "1789", TopicTag: "#golang"}},
		{"long text as a thread", ingest.Request{Text: strings.Repeat("A sentence that goes on. ", 60), Thread: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.AccountID, tc.req.Origin = acct, cli
			acc, err := svc.Enqueue(ctx, tc.req)
			if err != nil {
				t.Fatalf("enqueue: %v", err)
			}
			got, err := db.Get(ctx, acc.Post.ID)
			if err != nil || got.State != storage.StateQueued || got.Text != tc.req.Text || len(got.Media) != len(tc.req.Media) {
				t.Fatalf("stored %+v, err %v", got, err)
			}
			if strings.HasPrefix(got.TopicTag, "#") {
				t.Errorf("topic tag kept its #: %q", got.TopicTag)
			}
		})
	}
	if woken.Load() != int32(len(cases)) {
		t.Errorf("publisher woken %d times, want once per post due now (%d)", woken.Load(), len(cases))
	}
}

func TestEnqueueRejectsAndStoresNothing(t *testing.T) {
	svc, db, acct, woken := newService(t)
	ctx := context.Background()
	cli := ingest.Origin{Door: ingest.DoorCLI}
	cases := []struct {
		name  string
		req   ingest.Request
		field string
	}{
		{"no account", ingest.Request{Origin: cli, Text: "hi"}, "account"},
		{"no door", ingest.Request{AccountID: acct, Text: "hi"}, "origin"},
		{"empty text post", ingest.Request{AccountID: acct, Origin: cli}, "text"},
		{"too long", ingest.Request{AccountID: acct, Origin: cli, Text: strings.Repeat("x", 501)}, "text"},
		{"too far ahead", ingest.Request{AccountID: acct, Origin: cli, Text: "hi", ScheduledAt: time.Now().AddDate(2, 0, 0)}, "scheduled_at"},
		{"relative media url", ingest.Request{AccountID: acct, Origin: cli, Media: []ingest.Media{{Kind: ingest.MediaImage, URL: "/cat.jpg"}}}, ""},
		{"long key", ingest.Request{AccountID: acct, Origin: cli, Text: "hi", IdempotencyKey: strings.Repeat("k", 201)}, "idempotency_key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Enqueue(ctx, tc.req)
			var ie *ingest.InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want an InvalidError", err)
			}
			if tc.field != "" && !hasField(err, tc.field) {
				t.Errorf("err %q does not name field %q", err, tc.field)
			}
			if ie.Reason == "" {
				t.Error("an InvalidError without a reason helps nobody")
			}
		})
	}
	if posts, _ := db.List(ctx, storage.ListFilter{}); len(posts) != 0 {
		t.Fatalf("rejected requests stored %d posts", len(posts))
	}
	if woken.Load() != 0 {
		t.Fatal("a rejected request woke the publisher")
	}
}

func TestEnqueueScheduledAndIdempotent(t *testing.T) {
	svc, _, acct, woken := newService(t)
	ctx := context.Background()
	at := time.Now().Add(2 * time.Hour)
	req := ingest.Request{AccountID: acct, Origin: ingest.Origin{Door: ingest.DoorWebhook}, Text: "later", ScheduledAt: at, IdempotencyKey: "deploy-881"}
	first, err := svc.Enqueue(ctx, req)
	if err != nil || first.Existed {
		t.Fatalf("first: %+v %v", first, err)
	}
	again, err := svc.Enqueue(ctx, req)
	if err != nil || !again.Existed || again.Post.ID != first.Post.ID {
		t.Fatalf("repeat must return the same post: %+v %v", again, err)
	}
	if woken.Load() != 0 {
		t.Fatal("a post scheduled for later woke the publisher")
	}
}

func hasField(err error, field string) bool {
	var walk func(error) bool
	walk = func(err error) bool {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				if walk(e) {
					return true
				}
			}
			return false
		}
		var ie *ingest.InvalidError
		return errors.As(err, &ie) && strings.HasPrefix(ie.Field, field)
	}
	return walk(err)
}

func TestProblemsLooksThroughJoinsAndWrapping(t *testing.T) {
	a := &ingest.InvalidError{Field: "text", Reason: "too long"}
	b := &ingest.InvalidError{Field: "media[0].url", Reason: "not absolute"}
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"plain error", errors.New("disk full"), 0},
		{"one", a, 1},
		{"wrapped one", fmt.Errorf("ingest: %w", a), 1},
		{"joined", errors.Join(a, errors.New("other"), b), 2},
		{"wrapped join", fmt.Errorf("queue: %w", errors.Join(a, b)), 2},
		{"nested joins", errors.Join(errors.Join(a), fmt.Errorf("x: %w", b)), 2},
	}
	for _, tc := range cases {
		if got := ingest.Problems(tc.err); len(got) != tc.want {
			t.Errorf("%s: %d problems, want %d", tc.name, len(got), tc.want)
		}
	}
}

func TestEnqueueRecordsTheRequestIDFromContext(t *testing.T) {
	svc, db, acct, _ := newService(t)
	ctx := ingest.WithRequestID(context.Background(), "req-42")
	acc, err := svc.Enqueue(ctx, ingest.Request{AccountID: acct, Origin: ingest.Origin{Door: ingest.DoorAPI}, Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := db.Get(context.Background(), acc.Post.ID); p.RequestID != "req-42" {
		t.Fatalf("post request id %q, want req-42", p.RequestID)
	}
}
