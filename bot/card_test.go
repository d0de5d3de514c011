package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// TestApprovalCard: the card shows what the post would be as Meta counts and splits it — one
// post, a chain, one post with the rest attached — with its media, shapes, schedule in the
// reader's zone and author.
func TestApprovalCard(t *testing.T) {
	created := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	long := strings.TrimSpace(strings.Repeat("Twelve words make a sentence long enough to need splitting soon enough. ", 8))
	for _, c := range []struct {
		name string
		post storage.Post
		want []string
		not  []string
	}{
		{"one post, now", storage.Post{Text: "Hello 👍", ScheduledAt: created},
			[]string{"10 of 500 characters as Threads counts them: one post.", "Goes out as soon as it is approved", "“Hello 👍”"},
			[]string{"thread", "🖼️", "🔗"}},
		{"links", storage.Post{Text: "Read https://go.dev/blog and https://go.dev/doc", ScheduledAt: created},
			[]string{"🔗 2 links: "}, nil},
		{"a chain", storage.Post{Text: long, Thread: true, ScheduledAt: created},
			[]string{"over the 500 of one post: a thread of 2 posts.", "1/2 (", "2/2 ("}, []string{"attached"}},
		{"a long text attached", storage.Post{Text: "The lead.", Shape: storage.Shape{TextAttachment: &storage.TextAttachment{Plaintext: strings.Repeat("x", 700)}}, ScheduledAt: created},
			[]string{"709 characters as Threads counts them: one post of 9, with 700 more attached as text."}, []string{"thread of"}},
		{"media and shapes", storage.Post{Text: "Look", ScheduledAt: created,
			Media: []storage.Media{{Kind: "image", URL: "https://cdn.example/a.jpg", AltText: "a red kite"}, {Kind: "video", URL: "https://cdn.example/b.mp4"}},
			Shape: storage.Shape{Poll: []string{"Yes", "No"}, ReplyControl: "mentioned_only"}},
			[]string{"🖼️ 1/2 image: https://cdn.example/a.jpg (alt: “a red kite”)", "🖼️ 2/2 video: https://cdn.example/b.mp4", "a poll: Yes / No", "replies: mentioned"}, nil},
		{"scheduled, in the reader's zone", storage.Post{Text: "Later", ScheduledAt: created.Add(26 * time.Hour)},
			[]string{"Goes out Wed 2 Dec 2026 11:00 CET (10:00 UTC) once approved", "expires Tue 8 Dec 2026 09:00 CET"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.post.ID, c.post.CreatedAt, c.post.State = "p7k2m9x", created, storage.StatePendingApproval
			card := NewApprovalCard(c.post, "acme", "Ann", created.Add(7*24*time.Hour))
			got := card.Render(paris)
			if !card.Waiting || !strings.HasPrefix(got, "⏸️ Post p7k2m9x for @acme by Ann waits for your approval") {
				t.Errorf("card %+v starts %q", card, got)
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("the card lacks %q:\n%s", w, got)
				}
			}
			for _, w := range c.not {
				if strings.Contains(got, w) {
					t.Errorf("the card has %q:\n%s", w, got)
				}
			}
		})
	}
}
