package threadstest

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestOverlapsRecorded: two containers of one user in flight at once (the second created
// before the first was published) are recorded when both are published; one created after
// the previous publish is not, nor is an abandoned container, nor are two users' containers.
func TestOverlapsRecorded(t *testing.T) {
	f := newFixture(t, Options{})
	bob := f.sim.AddUser("bob")
	bobToken := f.sim.IssueToken(bob.ID, appScopes...)

	abandoned := f.create(t, "media_type", "TEXT", "text", "abandoned")
	f.clock.Advance(time.Second)
	first := f.create(t, "media_type", "TEXT", "text", "first")
	f.clock.Advance(time.Second)
	f.publish(t, first)
	f.clock.Advance(time.Second)
	second := f.create(t, "media_type", "TEXT", "text", "second")
	f.clock.Advance(time.Second)
	// bob's container is created and published while alice's second is in flight.
	bobs := do(t, "POST", f.sim.URL+"/v1.0/me/threads", vals("media_type", "TEXT", "text", "bob's", "access_token", bobToken))
	do(t, "POST", f.sim.URL+"/v1.0/me/threads_publish", vals("creation_id", bobs.body["id"].(string), "access_token", bobToken))
	third := f.create(t, "media_type", "TEXT", "text", "third")
	f.clock.Advance(time.Second)
	f.publish(t, second)
	if o := f.sim.Overlaps(); len(o) != 0 {
		t.Fatalf("overlaps before the third is published: %+v", o)
	}
	f.clock.Advance(time.Second)
	f.publish(t, third)
	o := f.sim.Overlaps()
	if len(o) != 1 || o[0].First != second || o[0].Second != third || o[0].UserID != f.user.ID ||
		o[0].FirstText != "second" || o[0].SecondText != "third" || !o[0].SecondCreated.Before(o[0].FirstPublished) {
		t.Fatalf("overlaps %+v, want second and third of alice (abandoned %s)", o, abandoned)
	}
}

// TestQuotaRefusalsCounted: each publish refused because the quota is used up is counted,
// per user.
func TestQuotaRefusalsCounted(t *testing.T) {
	f := newFixture(t, Options{Quotas: Quotas{Posts: 1}})
	f.publish(t, f.create(t, "media_type", "TEXT", "text", "fits"))
	if n := f.sim.QuotaRefusals(f.user.ID); n != 0 {
		t.Fatalf("refusals after a publish that fits: %d", n)
	}
	for range 2 {
		id := f.create(t, "media_type", "TEXT", "text", "over")
		f.post(t, "/v1.0/me/threads_publish", vals("creation_id", id)).wantGraphError(t, 400, 4, 0)
	}
	if n := f.sim.QuotaRefusals(f.user.ID); n != 2 {
		t.Fatalf("refusals %d, want 2", n)
	}
}

// TestCallOverlapsRecorded: a publishing call of a user that arrives while another of that
// user's is being answered (here a container creation waiting on its image) is recorded; one
// of another user, or one after the first was answered, is not.
func TestCallOverlapsRecorded(t *testing.T) {
	f := newFixture(t, Options{})
	bob := f.sim.AddUser("bob")
	bobToken := f.sim.IssueToken(bob.ID, appScopes...)
	fetching, release := make(chan struct{}), make(chan struct{})
	img := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(fetching)
		<-release
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write([]byte("\xff\xd8\xff\xe0 jpeg"))
	}))
	defer img.Close()
	done := make(chan string)
	go func() {
		a := do(t, "POST", f.sim.URL+"/v1.0/me/threads", f.withToken(vals("media_type", "IMAGE", "image_url", img.URL+"/a.jpg")))
		id, _ := a.body["id"].(string)
		done <- id
	}()
	<-fetching
	do(t, "POST", f.sim.URL+"/v1.0/me/threads", vals("media_type", "TEXT", "text", "bob's", "access_token", bobToken))
	if o := f.sim.CallOverlaps(); len(o) != 0 {
		t.Fatalf("another user's call counted: %+v", o)
	}
	text := f.create(t, "media_type", "TEXT", "text", "alongside")
	close(release)
	if id := <-done; id == "" {
		t.Fatal("the image container was not created")
	}
	o := f.sim.CallOverlaps()
	if len(o) != 1 || o[0].UserID != f.user.ID || o[0].Endpoint != EndpointCreateContainer {
		t.Fatalf("call overlaps %+v, want alice's second creation", o)
	}
	f.publish(t, text)
	if n := len(f.sim.CallOverlaps()); n != 1 {
		t.Fatalf("%d call overlaps after a publish on its own, want still 1", n)
	}
}
