package threads_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
)

func TestMe(t *testing.T) {
	e := newEnv(t, threadstest.Options{})
	p, err := e.c.Me(context.Background(), e.token)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := e.sim.User(e.user.ID)
	want := threads.Profile{ID: u.ID, Username: u.Username, Name: u.Name, ProfilePictureURL: u.ProfilePictureURL,
		Biography: u.Biography, IsVerified: u.IsVerified}
	if p != want {
		t.Errorf("Me = %+v, want %+v", p, want)
	}
}

func TestPublishText(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})
	text := "Hello from Spindle 👋 日本語 https://example.com/a"
	id, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{
		MediaType: threads.MediaTypeText, Text: text, TopicTag: "Spindle", ReplyControl: threads.ReplyFollowersOnly,
		LinkAttachment: "https://example.com/a",
	})
	if err != nil {
		t.Fatalf("CreateContainer: %v", err)
	}
	st, err := e.c.ContainerStatus(ctx, e.token, id)
	if err != nil || st.Status != threads.StatusFinished || st.ID != id {
		t.Fatalf("ContainerStatus = %+v, %v; want FINISHED", st, err)
	}
	mediaID, err := e.c.Publish(ctx, e.token, e.user.ID, id)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if mediaID == id {
		t.Error("the media id equals the container id")
	}
	st, err = e.c.ContainerStatus(ctx, e.token, id)
	if err != nil || st.Status != threads.StatusPublished {
		t.Errorf("after publish ContainerStatus = %+v, %v; want PUBLISHED", st, err)
	}
	m, err := e.c.Media(ctx, e.token, mediaID)
	if err != nil {
		t.Fatalf("Media: %v", err)
	}
	if m.ID != mediaID || m.Text != text || m.MediaType != "TEXT_POST" || m.TopicTag != "Spindle" ||
		!strings.Contains(m.Permalink, "/@alice/post/"+m.Shortcode) || m.Shortcode == "" ||
		m.OwnerID != e.user.ID || m.Username != "alice" || !m.Timestamp.Equal(e.clock.Now().Truncate(time.Second)) {
		t.Errorf("Media = %+v", m)
	}
	ledger := e.sim.Ledger()
	if len(ledger) != 1 || ledger[0].MediaID != mediaID || ledger[0].Text != text ||
		ledger[0].ReplyControl != threads.ReplyFollowersOnly || ledger[0].LinkAttachment != "https://example.com/a" {
		t.Fatalf("ledger = %+v, want exactly the one post", ledger)
	}

	// Publishing the same container again is refused and publishes nothing.
	_, err = e.c.Publish(ctx, e.token, "me", id)
	if te := e.wantErr(t, err, threads.ClassValidation); te.MaybePublished {
		t.Error("a refused double publish is marked MaybePublished")
	}
	if n := len(e.sim.Ledger()); n != 1 {
		t.Fatalf("ledger has %d posts after a double publish, want 1", n)
	}

	// A status asked of the media id (not a container) is a validation error.
	_, err = e.c.ContainerStatus(ctx, e.token, mediaID)
	e.wantErr(t, err, threads.ClassValidation)

	// A reply and a quote of it.
	replyID, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{
		MediaType: threads.MediaTypeText, Text: "a reply", ReplyToID: mediaID, AutoPublishText: true})
	if err != nil {
		t.Fatalf("reply: %v", err)
	}
	quoteID, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{
		MediaType: threads.MediaTypeText, Text: "a quote", QuoteID: mediaID, AutoPublishText: true})
	if err != nil {
		t.Fatalf("quote: %v", err)
	}
	if q, err := e.c.Media(ctx, e.token, quoteID); err != nil || !q.IsQuotePost {
		t.Errorf("quote Media = %+v, %v; want IsQuotePost", q, err)
	}
	ledger = e.sim.Ledger()
	if len(ledger) != 3 || ledger[1].MediaID != replyID || ledger[1].ReplyToID != mediaID || ledger[2].QuotePostID != mediaID {
		t.Errorf("ledger = %+v", ledger)
	}
}

func TestAutoPublishText(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})
	mediaID, err := e.c.CreateContainer(ctx, e.token, e.user.ID, threads.Container{
		MediaType: threads.MediaTypeText, Text: "auto", AutoPublishText: true})
	if err != nil {
		t.Fatal(err)
	}
	ledger := e.sim.Ledger()
	if len(ledger) != 1 || ledger[0].MediaID != mediaID || !ledger[0].AutoPublished {
		t.Fatalf("ledger = %+v, want one auto-published post with media id %s", ledger, mediaID)
	}
	if m, err := e.c.Media(ctx, e.token, mediaID); err != nil || m.Text != "auto" {
		t.Errorf("Media(%s) = %+v, %v", mediaID, m, err)
	}
}

func TestPublishImageVideoCarousel(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})
	host := mediaHost(t)

	imgID, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{
		MediaType: threads.MediaTypeImage, ImageURL: host.URL + "/a.png", Text: "an image", AltText: "a test pattern"})
	if err != nil {
		t.Fatalf("image container: %v", err)
	}
	if _, err := e.c.Publish(ctx, e.token, "me", imgID); err != nil {
		t.Fatalf("publish image: %v", err)
	}

	var children []string
	for _, ct := range []threads.Container{
		{MediaType: threads.MediaTypeImage, ImageURL: host.URL + "/b.png", IsCarouselItem: true, AltText: "b"},
		{MediaType: threads.MediaTypeVideo, VideoURL: host.URL + "/v.mp4", IsCarouselItem: true},
	} {
		id, err := e.c.CreateContainer(ctx, e.token, "me", ct)
		if err != nil {
			t.Fatalf("carousel item %+v: %v", ct, err)
		}
		children = append(children, id)
	}
	// A carousel item on its own is not publishable.
	_, err = e.c.Publish(ctx, e.token, "me", children[0])
	e.wantErr(t, err, threads.ClassValidation)

	carID, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{
		MediaType: threads.MediaTypeCarousel, Children: children, Text: "a carousel"})
	if err != nil {
		t.Fatalf("carousel container: %v", err)
	}
	carMedia, err := e.c.Publish(ctx, e.token, "me", carID)
	if err != nil {
		t.Fatalf("publish carousel: %v", err)
	}
	ledger := e.sim.Ledger()
	if len(ledger) != 2 {
		t.Fatalf("ledger has %d posts, want 2", len(ledger))
	}
	if l := ledger[0]; l.MediaType != "IMAGE" || len(l.Media) != 1 || l.Media[0].AltText != "a test pattern" {
		t.Errorf("image ledger entry = %+v", l)
	}
	if l := ledger[1]; l.MediaID != carMedia || l.MediaType != "CAROUSEL" || len(l.Media) != 2 || l.Media[1].Kind != "VIDEO" {
		t.Errorf("carousel ledger entry = %+v", l)
	}
	if m, err := e.c.Media(ctx, e.token, carMedia); err != nil || m.MediaType != "CAROUSEL_ALBUM" {
		t.Errorf("carousel Media = %+v, %v", m, err)
	}
	if n := len(e.sim.Fetched()); n != 3 {
		t.Errorf("the simulator fetched %d media, want 3", n)
	}
}

func TestContainerStates(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})
	host := mediaHost(t)

	t.Run("in progress, then finished", func(t *testing.T) {
		e.sim.SetProcessingDelays(threadstest.Delays{Video: 40 * time.Second})
		defer e.sim.SetProcessingDelays(threadstest.Delays{})
		id, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{MediaType: threads.MediaTypeVideo, VideoURL: host.URL + "/v.mp4"})
		if err != nil {
			t.Fatal(err)
		}
		if st, err := e.c.ContainerStatus(ctx, e.token, id); err != nil || st.Status != threads.StatusInProgress {
			t.Fatalf("status = %+v, %v; want IN_PROGRESS", st, err)
		}
		_, err = e.c.Publish(ctx, e.token, "me", id)
		te := e.wantErr(t, err, threads.ClassMediaNotReady)
		if te.Code != 24 || te.Subcode != 4279009 || te.MaybePublished || !threads.IsRetryable(err) {
			t.Errorf("publish too soon = %+v", te)
		}
		e.clock.Advance(41 * time.Second)
		if st, err := e.c.ContainerStatus(ctx, e.token, id); err != nil || st.Status != threads.StatusFinished {
			t.Fatalf("status = %+v, %v; want FINISHED", st, err)
		}
		if _, err := e.c.Publish(ctx, e.token, "me", id); err != nil {
			t.Fatalf("publish when finished: %v", err)
		}
	})
	t.Run("publish-too-soon window after FINISHED", func(t *testing.T) {
		e.sim.SetPublishNotReadyWindow(10 * time.Second)
		defer e.sim.SetPublishNotReadyWindow(0)
		id, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{MediaType: threads.MediaTypeText, Text: "soon"})
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := e.c.ContainerStatus(ctx, e.token, id); st.Status != threads.StatusFinished {
			t.Fatalf("status %q, want FINISHED", st.Status)
		}
		_, err = e.c.Publish(ctx, e.token, "me", id)
		if !threads.IsMediaNotReady(err) {
			t.Fatalf("publish inside the window = %v, want media-not-ready", err)
		}
		e.clock.Advance(11 * time.Second)
		if _, err := e.c.Publish(ctx, e.token, "me", id); err != nil {
			t.Fatalf("publish after the window: %v", err)
		}
	})
	t.Run("error with its message", func(t *testing.T) {
		e.sim.SetContainerError(func(string, threadstest.Post) string { return "FAILED_PROCESSING_VIDEO" })
		defer e.sim.SetContainerError(nil)
		id, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{MediaType: threads.MediaTypeVideo, VideoURL: host.URL + "/v.mp4"})
		if err != nil {
			t.Fatal(err)
		}
		st, err := e.c.ContainerStatus(ctx, e.token, id)
		if err != nil || st.Status != threads.StatusError || st.ErrorMessage != "FAILED_PROCESSING_VIDEO" {
			t.Fatalf("status = %+v, %v; want ERROR FAILED_PROCESSING_VIDEO", st, err)
		}
	})
	t.Run("expired after 24 hours", func(t *testing.T) {
		id, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{MediaType: threads.MediaTypeText, Text: "late"})
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(threadstest.ContainerTTL + time.Minute)
		st, err := e.c.ContainerStatus(ctx, e.token, id)
		if err != nil || st.Status != threads.StatusExpired {
			t.Fatalf("status = %+v, %v; want EXPIRED", st, err)
		}
		_, err = e.c.Publish(ctx, e.token, "me", id)
		if err == nil {
			t.Fatal("an expired container was published")
		}
	})
	t.Run("video that cannot be downloaded", func(t *testing.T) {
		id, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{MediaType: threads.MediaTypeVideo, VideoURL: host.URL + "/missing.mp4"})
		if err != nil {
			t.Fatal(err)
		}
		st, err := e.c.ContainerStatus(ctx, e.token, id)
		if err != nil || st.Status != threads.StatusError || st.ErrorMessage == "" {
			t.Fatalf("status = %+v, %v; want ERROR with a message", st, err)
		}
	})
	t.Run("unknown container", func(t *testing.T) {
		_, err := e.c.ContainerStatus(ctx, e.token, "17000000000000000")
		e.wantErr(t, err, threads.ClassNotFound)
	})
}

func TestCreateContainerValidation(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})
	host := mediaHost(t)
	links := "https://a.example/1 https://a.example/2 https://a.example/3 https://a.example/4 https://a.example/5 https://a.example/6"
	tests := []struct {
		name    string
		ct      threads.Container
		class   threads.Class
		apiCode string
		subcode int
	}{
		{"text over 500", threads.Container{MediaType: "TEXT", Text: strings.Repeat("👍", 126)}, threads.ClassValidation, "", 0},
		{"six links", threads.Container{MediaType: "TEXT", Text: links}, threads.ClassValidation, "THREADS_API__LINK_LIMIT_EXCEEDED", 0},
		{"topic tag with a period", threads.Container{MediaType: "TEXT", Text: "x", TopicTag: "go.dev"}, threads.ClassValidation, "", 0},
		{"bad reply control", threads.Container{MediaType: "TEXT", Text: "x", ReplyControl: "friends"}, threads.ClassValidation, "", 0},
		{"missing media type", threads.Container{Text: "x"}, threads.ClassValidation, "", 0},
		{"text post without text", threads.Container{MediaType: "TEXT"}, threads.ClassValidation, "", 0},
		{"link attachment on an image", threads.Container{MediaType: "IMAGE", ImageURL: host.URL + "/a.png", LinkAttachment: "https://a.example"}, threads.ClassValidation, "", 0},
		{"carousel of one", threads.Container{MediaType: "CAROUSEL", Children: []string{"1"}}, threads.ClassValidation, "", 0},
		{"image not found", threads.Container{MediaType: "IMAGE", ImageURL: host.URL + "/missing.png"}, threads.ClassValidation, "", 2207052},
		{"image is HTML", threads.Container{MediaType: "IMAGE", ImageURL: host.URL + "/page.html"}, threads.ClassValidation, "", 2207052},
		{"reply to unknown post", threads.Container{MediaType: "TEXT", Text: "x", ReplyToID: "17999999999999999"}, threads.ClassValidation, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.c.CreateContainer(ctx, e.token, "me", tt.ct)
			te := e.wantErr(t, err, tt.class)
			if te.APICode != tt.apiCode || te.Subcode != tt.subcode {
				t.Errorf("api code %q subcode %d, want %q %d (%v)", te.APICode, te.Subcode, tt.apiCode, tt.subcode, err)
			}
		})
	}
	if n := len(e.sim.Ledger()); n != 0 {
		t.Errorf("ledger has %d posts after refused containers", n)
	}
}
