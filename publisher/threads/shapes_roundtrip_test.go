package threads_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
)

// TestShapesRoundTrip sends every shape through the client to the simulator, publishes it and
// reads it back as Meta documents it.
func TestShapesRoundTrip(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})
	host := mediaHost(t)
	tok := e.sim.IssueToken(e.user.ID, append(threads.DefaultScopes(), threads.ScopeLocationTagging)...)
	long := strings.Repeat("A long paragraph. ", 500)[:9000]
	tests := []struct {
		name  string
		ct    threads.Container
		check func(t *testing.T, got threads.PublishedShapes, led threadstest.Published)
	}{
		{"poll", threads.Container{MediaType: "TEXT", Text: "Tabs or spaces?", Poll: []string{"Tabs", "Spaces", "Both"}},
			func(t *testing.T, got threads.PublishedShapes, led threadstest.Published) {
				if got.Poll == nil || !slices.Equal(got.Poll.Options, []string{"Tabs", "Spaces", "Both"}) || got.Poll.ClosesAt.IsZero() {
					t.Errorf("poll = %+v", got.Poll)
				}
				if !slices.Equal(led.Poll, []string{"Tabs", "Spaces", "Both"}) {
					t.Errorf("ledger poll = %q", led.Poll)
				}
			}},
		{"text attachment", threads.Container{MediaType: "TEXT", Text: "Read on:", TextAttachment: &threads.TextAttachment{Plaintext: long, LinkURL: "https://blog.example/post"}},
			func(t *testing.T, got threads.PublishedShapes, led threadstest.Published) {
				if got.TextAttachment == nil || got.TextAttachment.Plaintext != long || got.TextAttachment.LinkURL != "https://blog.example/post" {
					t.Errorf("text attachment = %+v", got.TextAttachment)
				}
			}},
		{"text spoilers", threads.Container{MediaType: "TEXT", Text: "日本語: the butler did it", Spoilers: []threads.Spoiler{{Offset: 5, Length: 10}, {Offset: 20, Length: 2}}},
			func(t *testing.T, got threads.PublishedShapes, led threadstest.Published) {
				if !slices.Equal(got.Spoilers, []threads.Spoiler{{Offset: 5, Length: 10}, {Offset: 20, Length: 2}}) {
					t.Errorf("spoilers = %+v", got.Spoilers)
				}
				if len(led.TextEntities) != 2 || led.TextEntities[0].Type != "SPOILER" {
					t.Errorf("ledger entities = %+v", led.TextEntities)
				}
			}},
		{"media spoiler", threads.Container{MediaType: "IMAGE", ImageURL: host.URL + "/a.png", SpoilerMedia: true},
			func(t *testing.T, got threads.PublishedShapes, led threadstest.Published) {
				if !got.SpoilerMedia || !led.SpoilerMedia {
					t.Errorf("spoiler media = %v / ledger %v", got.SpoilerMedia, led.SpoilerMedia)
				}
			}},
		{"ghost with reply control and topic", threads.Container{MediaType: "TEXT", Text: "gone tomorrow", Ghost: true, ReplyControl: threads.ReplyMentionedOnly, TopicTag: "Ephemera"},
			func(t *testing.T, got threads.PublishedShapes, led threadstest.Published) {
				if got.GhostStatus != "ACTIVE" || !led.Ghost || led.ReplyControl != threads.ReplyMentionedOnly || led.TopicTag != "Ephemera" {
					t.Errorf("ghost = %q, ledger %+v", got.GhostStatus, led)
				}
			}},
		{"location", threads.Container{MediaType: "TEXT", Text: "here", LocationID: "108212625870265"},
			func(t *testing.T, got threads.PublishedShapes, led threadstest.Published) {
				if got.LocationID != "108212625870265" {
					t.Errorf("location = %q", got.LocationID)
				}
			}},
		{"gif", threads.Container{MediaType: "TEXT", Text: "yes", GIF: &threads.GIF{ID: "1234", Provider: threads.GIFProviderTenor}},
			func(t *testing.T, got threads.PublishedShapes, led threadstest.Published) {
				if got.GIFURL == "" || led.GIF == nil || led.GIF.ID != "1234" {
					t.Errorf("gif = %q, ledger %+v", got.GIFURL, led.GIF)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := threads.Validate(post(tt.ct)); err != nil {
				t.Fatalf("the preflight refuses what the simulator should take: %v", err)
			}
			id, err := e.c.CreateContainer(ctx, tok, "me", tt.ct)
			if err != nil {
				t.Fatalf("CreateContainer: %v", err)
			}
			mediaID, err := e.c.Publish(ctx, tok, "me", id)
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			got, err := e.c.Shapes(ctx, tok, mediaID)
			if err != nil {
				t.Fatalf("Shapes: %v", err)
			}
			led := e.sim.Ledger()
			tt.check(t, got, led[len(led)-1])
		})
	}
}

// post is the preflight's view of a container, to hold the client's rules and the
// simulator's to the same cases.
func post(ct threads.Container) threads.Post {
	p := threads.Post{Text: ct.Text, TopicTag: ct.TopicTag, ReplyControl: ct.ReplyControl, Poll: ct.Poll,
		TextAttachment: ct.TextAttachment, Spoilers: ct.Spoilers, SpoilerMedia: ct.SpoilerMedia, Ghost: ct.Ghost,
		LocationID: ct.LocationID, GIF: ct.GIF, LinkAttachment: ct.LinkAttachment, ReplyToID: ct.ReplyToID}
	if ct.ImageURL != "" {
		p.Media = []threads.Media{{Kind: threads.KindImage, URL: ct.ImageURL}}
	}
	return p
}

// TestShapesRefusedBySimulator holds the simulator to Meta's rules: what the preflight refuses,
// the simulator refuses too, with code 100 (or 10 for a missing permission).
func TestShapesRefusedBySimulator(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})
	host := mediaHost(t)
	parent, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{MediaType: "TEXT", Text: "root", AutoPublishText: true})
	if err != nil {
		t.Fatal(err)
	}
	many := make([]threads.Spoiler, 11)
	for i := range many {
		many[i] = threads.Spoiler{Offset: i, Length: 1}
	}
	tests := []struct {
		name  string
		ct    threads.Container
		class threads.Class
		code  int
	}{
		{"poll of one", threads.Container{MediaType: "TEXT", Text: "x", Poll: []string{"A"}}, threads.ClassValidation, 100},
		{"poll option 26", threads.Container{MediaType: "TEXT", Text: "x", Poll: []string{strings.Repeat("a", 26), "B"}}, threads.ClassValidation, 100},
		{"poll on image", threads.Container{MediaType: "IMAGE", ImageURL: host.URL + "/a.png", Poll: []string{"A", "B"}}, threads.ClassValidation, 100},
		{"poll with text attachment", threads.Container{MediaType: "TEXT", Text: "x", Poll: []string{"A", "B"}, TextAttachment: &threads.TextAttachment{Plaintext: "y"}}, threads.ClassValidation, 100},
		{"text attachment 10001", threads.Container{MediaType: "TEXT", Text: "x", TextAttachment: &threads.TextAttachment{Plaintext: strings.Repeat("a", 10001)}}, threads.ClassValidation, 100},
		{"text attachment with link attachment", threads.Container{MediaType: "TEXT", Text: "x", LinkAttachment: "https://a.example", TextAttachment: &threads.TextAttachment{Plaintext: "y"}}, threads.ClassValidation, 100},
		{"11 spoilers", threads.Container{MediaType: "TEXT", Text: strings.Repeat("a", 20), Spoilers: many}, threads.ClassValidation, 100},
		{"spoiler past the text", threads.Container{MediaType: "TEXT", Text: "short", Spoilers: []threads.Spoiler{{Offset: 4, Length: 2}}}, threads.ClassValidation, 100},
		{"media spoiler on text", threads.Container{MediaType: "TEXT", Text: "x", SpoilerMedia: true}, threads.ClassValidation, 100},
		{"ghost image", threads.Container{MediaType: "IMAGE", ImageURL: host.URL + "/a.png", Ghost: true}, threads.ClassValidation, 100},
		{"ghost reply", threads.Container{MediaType: "TEXT", Text: "x", Ghost: true, ReplyToID: parent}, threads.ClassValidation, 100},
		{"gif provider", threads.Container{MediaType: "TEXT", Text: "x", GIF: &threads.GIF{ID: "1", Provider: "IMGUR"}}, threads.ClassValidation, 100},
		{"location without its scope", threads.Container{MediaType: "TEXT", Text: "x", LocationID: "108212625870265"}, threads.ClassPermission, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.c.CreateContainer(ctx, e.token, "me", tt.ct)
			te := e.wantErr(t, err, tt.class)
			if te.Code != tt.code {
				t.Errorf("code %d, want %d (%v)", te.Code, tt.code, err)
			}
			if tt.code == 10 && te.Scope != threads.ScopeLocationTagging {
				t.Errorf("scope = %q, want %s named (%v)", te.Scope, threads.ScopeLocationTagging, err)
			}
		})
	}
	if n := len(e.sim.Ledger()); n != 1 {
		t.Errorf("ledger has %d posts after refused containers, want only the root", n)
	}
}

// TestPollResults reads votes back once people voted.
func TestPollResults(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})
	id, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{MediaType: "TEXT", Text: "?", Poll: []string{"Yes", "No"}, AutoPublishText: true})
	if err != nil {
		t.Fatal(err)
	}
	if !e.sim.SetPollVotes(id, 3, 1) {
		t.Fatal("SetPollVotes refused a poll")
	}
	got, err := e.c.Shapes(ctx, e.token, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Poll == nil || got.Poll.TotalVotes != 4 || !slices.Equal(got.Poll.Shares, []float64{0.75, 0.25}) {
		t.Errorf("poll = %+v", got.Poll)
	}
}
