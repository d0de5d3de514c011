package ingest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/netguard"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestStoredFieldsAreBounded: each field a door stores verbatim is refused past its limit,
// naming the field and the limit, and nothing is stored; a thread over the part cap is
// refused the same way.
func TestStoredFieldsAreBounded(t *testing.T) {
	db := storagetest.Open(t, nil)
	acct := storagetest.Account(t, db, "alice").ID
	svc := ingest.NewService(ingest.Options{Queue: db,
		MediaURLCheck: netguard.New(netguard.Options{}).CheckURL})
	ctx := context.Background()
	long := "https://e.example/" + strings.Repeat("a", ingest.MaxURLLen)
	base := func() ingest.Request {
		return ingest.Request{AccountID: acct, Origin: ingest.Origin{Door: ingest.DoorAPI}, Text: "hi"}
	}
	cases := []struct {
		name, field, want string
		limit             bool
		edit              func(*ingest.Request)
	}{
		{"media url", "media[0].url", "at most 2048", true, func(r *ingest.Request) {
			r.Media = []ingest.Media{{Kind: ingest.MediaImage, URL: long}}
		}},
		{"link attachment", "link_attachment", "at most 2048", true, func(r *ingest.Request) { r.LinkAttachment = long }},
		{"reply id", "reply_to_id", "at most 32", true, func(r *ingest.Request) { r.ReplyToID = strings.Repeat("1", 4000) }},
		{"quote id", "quote_post_id", "at most 32", true, func(r *ingest.Request) { r.QuoteID = strings.Repeat("9", 33) }},
		{"origin ref", "origin", "at most 8192", true, func(r *ingest.Request) {
			r.Origin.Ref = []byte(`"` + strings.Repeat("x", 9000) + `"`)
		}},
		{"thread of 21 parts", "text", "at most 20", true, func(r *ingest.Request) {
			r.Thread, r.Text = true, strings.Repeat(strings.Repeat("word ", 98)+"end.\n\n", 21)
		}},
		{"media on the metadata service", "media[0].url", "private network", false, func(r *ingest.Request) {
			r.Media = []ingest.Media{{Kind: ingest.MediaImage, URL: "http://169.254.169.254/latest/cat.jpg"}}
		}},
		{"media on localhost", "media[0].url", "SPINDLE_ALLOW_PRIVATE_URLS", false, func(r *ingest.Request) {
			r.Media = []ingest.Media{{Kind: ingest.MediaImage, URL: "http://localhost:9200/cat.jpg"}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := base()
			tc.edit(&r)
			_, err := svc.Enqueue(ctx, r)
			var found *ingest.InvalidError
			for _, p := range ingest.Problems(err) {
				if p.Field == tc.field {
					found = p
				}
			}
			if found == nil || !strings.Contains(found.Reason, tc.want) || (found.Limit > 0) != tc.limit {
				t.Fatalf("err = %v; want field %s saying %q (limit %v)", err, tc.field, tc.want, tc.limit)
			}
		})
	}
	if posts, _ := db.List(ctx, storage.ListFilter{}); len(posts) != 0 {
		t.Fatalf("%d refused posts were stored", len(posts))
	}
	r := base()
	r.Thread, r.Text = true, strings.Repeat(strings.Repeat("word ", 98)+"end.\n\n", ingest.MaxThreadParts)
	if _, err := svc.Enqueue(ctx, r); err != nil {
		t.Fatalf("a thread of exactly %d parts: %v", ingest.MaxThreadParts, err)
	}
}
