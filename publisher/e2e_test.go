package publisher_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

func TestPublishKinds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	media := mediaServer(t)
	a := e.account("alice")

	parent := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "the parent post"})
	e.drain(parent.ID)
	parent = e.get(parent.ID)
	if parent.State != storage.StatePosted || parent.MediaID == "" || parent.Permalink == "" {
		t.Fatalf("parent post: %+v", parent)
	}

	long := strings.Repeat("This sentence is part of a long thread. ", 40) // ~1,600 characters
	tests := []struct {
		name  string
		post  storage.NewPost
		check func(t *testing.T, got []threadstest.Published)
	}{
		{"text", storage.NewPost{Text: "hello from spindle", TopicTag: "spindle"}, func(t *testing.T, got []threadstest.Published) {
			// A container, never auto_publish_text: only a container makes a lost answer safe.
			if len(got) != 1 || got[0].MediaType != "TEXT" || got[0].AutoPublished || got[0].TopicTag != "spindle" {
				t.Errorf("got %+v", got)
			}
		}},
		{"image", storage.NewPost{Text: "a picture", Media: []storage.Media{{Kind: "image", URL: media.URL + "/img.png", AltText: "a square"}}},
			func(t *testing.T, got []threadstest.Published) {
				if len(got) != 1 || got[0].MediaType != "IMAGE" || len(got[0].Media) != 1 || got[0].Media[0].AltText != "a square" {
					t.Errorf("got %+v", got)
				}
			}},
		{"video", storage.NewPost{Text: "a clip", Media: []storage.Media{{Kind: "video", URL: media.URL + "/clip.mp4"}}},
			func(t *testing.T, got []threadstest.Published) {
				if len(got) != 1 || got[0].MediaType != "VIDEO" {
					t.Errorf("got %+v", got)
				}
			}},
		{"carousel", storage.NewPost{Text: "three things", Media: []storage.Media{
			{Kind: "image", URL: media.URL + "/img.png"}, {Kind: "video", URL: media.URL + "/clip.mp4"},
			{Kind: "image", URL: media.URL + "/img2.png"}}},
			func(t *testing.T, got []threadstest.Published) {
				if len(got) != 1 || got[0].MediaType != "CAROUSEL" || len(got[0].Media) != 3 || got[0].Media[1].Kind != "VIDEO" {
					t.Errorf("got %+v", got)
				}
			}},
		{"reply", storage.NewPost{Text: "a reply", ReplyToID: parent.MediaID}, func(t *testing.T, got []threadstest.Published) {
			if len(got) != 1 || got[0].ReplyToID != parent.MediaID || got[0].AutoPublished {
				t.Errorf("got %+v", got)
			}
		}},
		{"quote", storage.NewPost{Text: "a quote", QuoteID: parent.MediaID}, func(t *testing.T, got []threadstest.Published) {
			if len(got) != 1 || got[0].QuotePostID != parent.MediaID {
				t.Errorf("got %+v", got)
			}
		}},
		{"chain", storage.NewPost{Text: long, Thread: true}, func(t *testing.T, got []threadstest.Published) {
			want := threads.Split(long, threads.MaxTextChars)
			if len(got) != len(want) || len(want) < 3 {
				t.Fatalf("published %d parts, want %d", len(got), len(want))
			}
			for i, g := range got {
				if g.Text != want[i] {
					t.Errorf("part %d text %q, want %q", i, g.Text, want[i])
				}
				if i > 0 && g.ReplyToID != got[i-1].MediaID {
					t.Errorf("part %d replies to %s, want the previous part %s", i, g.ReplyToID, got[i-1].MediaID)
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.sim.Ledger())
			np := tc.post
			np.AccountID = a.ID
			p := e.enqueue(np)
			e.drain(p.ID)
			got := e.get(p.ID)
			if got.State != storage.StatePosted {
				t.Fatalf("state %s, last error %q", got.State, got.LastError)
			}
			ledger := e.sim.Ledger()[before:]
			tc.check(t, ledger)
			if got.MediaID != ledger[0].MediaID || got.Permalink == "" || got.Permalink != ledger[0].Permalink {
				t.Errorf("post recorded media %s %s, ledger %s %s", got.MediaID, got.Permalink, ledger[0].MediaID, ledger[0].Permalink)
			}
			if k := e.note.kinds(p.ID); !slices.Equal(k, []publisher.EventKind{publisher.EventPosted}) {
				t.Errorf("events %v, want one posted", k)
			}
		})
	}
}

func TestImageThatCannotBeFetchedFailsWithReason(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	media := mediaServer(t)
	a := e.account("bob")
	url := media.URL + "/missing.png"
	p := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "broken", Media: []storage.Media{{Kind: "image", URL: url}}})
	e.drain(p.ID)
	got := e.get(p.ID)
	if got.State != storage.StateFailed {
		t.Fatalf("state %s", got.State)
	}
	want := "Threads rejected the image: it could not be downloaded from " + url + "; make sure the URL is public"
	if !strings.HasPrefix(got.LastError, want) {
		t.Errorf("reason %q, want it to start %q", got.LastError, want)
	}
	ev := e.note.all()
	if len(ev) != 1 || ev[0].Kind != publisher.EventFailed || ev[0].Reason != got.LastError || ev[0].ID == 0 {
		t.Errorf("events %+v", ev)
	}
	if n := len(e.sim.Ledger()); n != 0 {
		t.Errorf("%d published", n)
	}
}

func TestVideoErrorIsRecreatedThenReported(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{sim: threadstest.Options{ContainerError: func(_ string, p threadstest.Post) string {
		if p.MediaType == "VIDEO" {
			return "INVALID_DURATION"
		}
		return ""
	}}})
	media := mediaServer(t)
	a := e.account("carol")
	p := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "clip", Media: []storage.Media{{Kind: "video", URL: media.URL + "/clip.mp4"}}})
	e.drain(p.ID)
	got := e.get(p.ID)
	if got.State != storage.StateFailed || !strings.Contains(got.LastError, "INVALID_DURATION") || !strings.Contains(got.LastError, "/clip.mp4") {
		t.Fatalf("state %s reason %q", got.State, got.LastError)
	}
	if n := e.sim.CallCount(threadstest.EndpointCreateContainer); n != 2 {
		t.Errorf("%d containers created, want 2 (the first ERROR is recreated once)", n)
	}
}

func TestDeleteCountsAgainstQuota(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{tweak: func(o *publisher.Options) { o.Limits.Deletes = 1 }})
	a := e.account("dora")
	p1 := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "one"})
	p2 := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "two"})
	e.drain(p1.ID, p2.ID)
	ctx := context.Background()
	if err := e.pub.Delete(ctx, p1.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.pub.Delete(ctx, p1.ID); err == nil {
		t.Error("deleting twice succeeded")
	}
	if err := e.pub.Delete(ctx, p1.ID); !errors.Is(err, publisher.ErrAlreadyDeleted) {
		t.Errorf("deleting twice: %v, want ErrAlreadyDeleted", err)
	}
	err := e.pub.Delete(ctx, p2.ID)
	var de *publisher.DeleteError
	if !errors.Is(err, publisher.ErrQuotaExceeded) || !errors.As(err, &de) || de.Until.IsZero() || !strings.Contains(err.Error(), "quota") {
		t.Errorf("second deletion over a quota of 1: %v, want ErrQuotaExceeded with the time it frees", err)
	}
	l := e.sim.Ledger()
	if !l[0].Deleted || l[1].Deleted {
		t.Errorf("ledger deleted flags %v %v", l[0].Deleted, l[1].Deleted)
	}
	if err := e.pub.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if k := e.note.kinds(p1.ID); !slices.Contains(k, publisher.EventDeleted) {
		t.Errorf("events %v", k)
	}
}
