package publisher_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// TestShapesEndToEnd: every shape goes from an ingest request through the queue and the
// publisher to the simulator, which takes it as Meta documents it.
func TestShapesEndToEnd(t *testing.T) {
	e := newEnv(t, envOptions{})
	media := mediaServer(t)
	a := e.account("shaper")
	svc := ingest.NewService(ingest.Options{Queue: e.db})
	origin := ingest.Origin{Door: ingest.DoorAPI}
	tests := []struct {
		name  string
		req   ingest.Request
		check func(t *testing.T, got []threadstest.Published)
	}{
		{"poll", ingest.Request{Text: "Lunch?", Poll: []string{"Soup", "Salad"}, ReplyControl: threads.ReplyAccountsYouFollow},
			func(t *testing.T, got []threadstest.Published) {
				if len(got) != 1 || !slices.Equal(got[0].Poll, []string{"Soup", "Salad"}) || got[0].ReplyControl != threads.ReplyAccountsYouFollow {
					t.Errorf("got %+v", got)
				}
			}},
		{"spoilers ghost topic", ingest.Request{Text: "Finale: Bruce is dead", Spoilers: []threads.Spoiler{{Offset: 8, Length: 13}}, Ghost: true, TopicTag: "#TV"},
			func(t *testing.T, got []threadstest.Published) {
				if len(got) != 1 || !got[0].Ghost || got[0].TopicTag != "TV" || len(got[0].TextEntities) != 1 || got[0].TextEntities[0].Offset != 8 {
					t.Errorf("got %+v", got)
				}
			}},
		{"media spoiler", ingest.Request{Text: "look", SpoilerMedia: true, Media: []ingest.Media{{Kind: ingest.MediaImage, URL: media.URL + "/img.png"}}},
			func(t *testing.T, got []threadstest.Published) {
				if len(got) != 1 || !got[0].SpoilerMedia || got[0].MediaType != "IMAGE" {
					t.Errorf("got %+v", got)
				}
			}},
		{"carousel spoiler", ingest.Request{SpoilerMedia: true, Media: []ingest.Media{{Kind: ingest.MediaImage, URL: media.URL + "/img.png"}, {Kind: ingest.MediaImage, URL: media.URL + "/img2.png"}}},
			func(t *testing.T, got []threadstest.Published) {
				if len(got) != 1 || !got[0].SpoilerMedia || got[0].MediaType != "CAROUSEL" {
					t.Errorf("got %+v", got)
				}
			}},
		{"gif", ingest.Request{Text: "mood", GIF: &threads.GIF{ID: "xyz", Provider: threads.GIFProviderGiphy}},
			func(t *testing.T, got []threadstest.Published) {
				if len(got) != 1 || got[0].GIF == nil || got[0].GIF.Provider != "GIPHY" {
					t.Errorf("got %+v", got)
				}
			}},
		{"text attachment with link", ingest.Request{Text: "Notes", TextAttachment: &threads.TextAttachment{Plaintext: "more words", LinkURL: "https://blog.example/n"}},
			func(t *testing.T, got []threadstest.Published) {
				if len(got) != 1 || got[0].TextAttachment == nil || got[0].TextAttachment.LinkURL != "https://blog.example/n" {
					t.Errorf("got %+v", got)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.sim.Ledger())
			tc.req.AccountID, tc.req.Origin = a.ID, origin
			acc, err := svc.Enqueue(context.Background(), tc.req)
			if err != nil {
				t.Fatalf("Enqueue: %v", err)
			}
			e.drain(acc.Post.ID)
			if got := e.get(acc.Post.ID); got.State != storage.StatePosted {
				t.Fatalf("state %s: %s", got.State, got.LastError)
			}
			tc.check(t, e.sim.Ledger()[before:])
		})
	}
}

// TestLongTextAttachOrChain: a 3,000-character text goes out as one post with a text
// attachment (--long) or as a reply chain (--thread), and a spoiler of the text lands on the
// part that holds it either way.
func TestLongTextAttachOrChain(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("longwriter")
	svc := ingest.NewService(ingest.Options{Queue: e.db})
	var b strings.Builder
	for i := 0; b.Len() < 3000; i++ {
		b.WriteString("Sentence number ")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(" of a long essay. ")
	}
	text := strings.TrimSpace(b.String()[:3000])
	secret := "the twist"
	text = text[:2000] + " " + secret + " " + text[2000:]
	off := utf8.RuneCountInString(text[:2001])
	spoiler := []threads.Spoiler{{Offset: off, Length: len(secret)}}

	t.Run("attach", func(t *testing.T) {
		before := len(e.sim.Ledger())
		acc, err := svc.Enqueue(context.Background(), ingest.Request{Origin: ingest.Origin{Door: ingest.DoorAPI}, AccountID: a.ID,
			Text: text, Long: true, LinkAttachment: "https://blog.example/essay"})
		if err != nil {
			t.Fatal(err)
		}
		e.drain(acc.Post.ID)
		got := e.sim.Ledger()[before:]
		if len(got) != 1 || got[0].TextAttachment == nil {
			t.Fatalf("published %d posts, want one with a text attachment: %+v", len(got), got)
		}
		p := got[0]
		if threads.CountChars(p.Text) > threads.MaxTextChars || p.Text+" "+p.TextAttachment.Plaintext != text ||
			p.TextAttachment.LinkURL != "https://blog.example/essay" || p.LinkAttachment != "" {
			t.Errorf("post text %d chars, attachment %d chars, link %q / %q", len(p.Text), len(p.TextAttachment.Plaintext), p.TextAttachment.LinkURL, p.LinkAttachment)
		}
	})
	t.Run("chain", func(t *testing.T) {
		before := len(e.sim.Ledger())
		acc, err := svc.Enqueue(context.Background(), ingest.Request{Origin: ingest.Origin{Door: ingest.DoorAPI}, AccountID: a.ID,
			Text: text, Thread: true, Spoilers: spoiler, ReplyControl: threads.ReplyMentionedOnly})
		if err != nil {
			t.Fatal(err)
		}
		e.drain(acc.Post.ID)
		got := e.sim.Ledger()[before:]
		want := threads.Split(text, threads.MaxTextChars)
		if len(got) != len(want) || len(got) < 6 {
			t.Fatalf("published %d parts, want %d", len(got), len(want))
		}
		hidden := 0
		for i, p := range got {
			if p.ReplyControl != threads.ReplyMentionedOnly {
				t.Errorf("part %d reply control %q", i, p.ReplyControl)
			}
			for _, te := range p.TextEntities {
				hidden++
				if r := []rune(p.Text); string(r[te.Offset:te.Offset+te.Length]) != secret {
					t.Errorf("part %d hides %q, want %q", i, string(r[te.Offset:te.Offset+te.Length]), secret)
				}
			}
		}
		if hidden != 1 {
			t.Errorf("%d spoilers published, want 1", hidden)
		}
	})
}

// TestPollResultsOnceReported: a published poll's votes, as Threads reports them, come back
// through the publisher; a post without a poll has none.
func TestPollResultsOnceReported(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("pollster")
	svc := ingest.NewService(ingest.Options{Queue: e.db})
	acc, err := svc.Enqueue(context.Background(), ingest.Request{Origin: ingest.Origin{Door: ingest.DoorAPI}, AccountID: a.ID,
		Text: "Lunch?", Poll: []string{"Soup", "Salad"}})
	if err != nil {
		t.Fatal(err)
	}
	e.drain(acc.Post.ID)
	p := e.get(acc.Post.ID)
	if !e.sim.SetPollVotes(p.MediaID, 1, 3) {
		t.Fatal("the simulator has no poll for the published post")
	}
	r, err := e.pub.PollResults(context.Background(), p)
	if err != nil || r.TotalVotes != 4 || !slices.Equal(r.Options, []string{"Soup", "Salad"}) || !slices.Equal(r.Shares, []float64{0.25, 0.75}) {
		t.Fatalf("results %+v, %v", r, err)
	}
	plain := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "no poll"})
	e.drain(plain.ID)
	if _, err := e.pub.PollResults(context.Background(), e.get(plain.ID)); !errors.Is(err, publisher.ErrNoPoll) {
		t.Errorf("a post without a poll: %v, want ErrNoPoll", err)
	}
}
