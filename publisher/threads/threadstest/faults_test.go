package threadstest

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestFaultServerError(t *testing.T) {
	f := newFixture(t, Options{})
	f.sim.Fault(EndpointCreateContainer, Fault{Kind: FaultServerError, Count: 1})
	a := f.post(t, "/v1.0/me/threads", vals("media_type", "TEXT", "text", "x"))
	if a.status != http.StatusBadGateway || !strings.Contains(string(a.raw), "502 Bad Gateway") || a.body != nil {
		t.Errorf("got %d %q, want a 502 HTML page", a.status, a.raw)
	}
	// Count 1: the next call goes through.
	f.create(t, "media_type", "TEXT", "text", "x")
	if n := f.sim.CallCount(EndpointCreateContainer); n != 2 {
		t.Errorf("CallCount = %d, want 2", n)
	}
}

func TestFaultReset(t *testing.T) {
	f := newFixture(t, Options{})
	f.sim.Fault(EndpointMedia, Fault{Kind: FaultReset, Count: 1})
	resp, err := http.Get(f.sim.URL + "/v1.0/123?access_token=" + f.token)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("want a connection error, got %d", resp.StatusCode)
	}
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) {
		t.Errorf("err = %v, want connection reset", err)
	}
	f.get(t, "/v1.0/123", nil).wantGraphError(t, 400, 100, 33)
}

func TestFaultRateLimit(t *testing.T) {
	f := newFixture(t, Options{})
	f.sim.Fault(EndpointPublish, Fault{Kind: FaultRateLimit, Count: 1, RetryAfter: 90 * time.Second})
	f.sim.Fault(EndpointProfile, Fault{Kind: FaultRateLimit, Count: 1})
	c := f.create(t, "media_type", "TEXT", "text", "x")
	a := f.post(t, "/v1.0/me/threads_publish", vals("creation_id", c))
	e := a.wantGraphError(t, 429, 4, 0)
	if a.header.Get("Retry-After") != "90" || e["is_transient"] != true {
		t.Errorf("Retry-After %q, body %s", a.header.Get("Retry-After"), a.raw)
	}
	if a := f.get(t, "/v1.0/me", nil); a.header.Get("Retry-After") != "60" || a.status != 429 {
		t.Errorf("default Retry-After: %d %q", a.status, a.header.Get("Retry-After"))
	}
	if len(f.sim.Ledger()) != 0 {
		t.Error("a rate-limited publish published")
	}
	f.publish(t, c)
}

func TestFaultTransient(t *testing.T) {
	f := newFixture(t, Options{})
	f.sim.Fault(EndpointContainerStatus, Fault{Kind: FaultTransient, Count: 2})
	c := f.create(t, "media_type", "TEXT", "text", "x")
	for range 2 {
		e := f.get(t, "/v1.0/"+c, vals("fields", "status")).wantGraphError(t, 500, 2, 0)
		if e["is_transient"] != true {
			t.Errorf("body %v", e)
		}
	}
	if got := f.status(t, c); got != StatusFinished {
		t.Errorf("status after faults = %s", got)
	}
}

func TestFaultLostAnswerPublishes(t *testing.T) {
	f := newFixture(t, Options{})
	f.sim.Fault(EndpointPublish, Fault{Kind: FaultLostAnswer, Count: 1})
	c := f.create(t, "media_type", "TEXT", "text", "lost")
	start := f.clock.Now()
	e := f.post(t, "/v1.0/me/threads_publish", vals("creation_id", c)).wantGraphError(t, 500, 10, 0)
	if e["message"] != "Application does not have permission for this action" {
		t.Errorf("body %v", e)
	}
	// It did publish: the container says so and the post can be found.
	if got := f.status(t, c); got != StatusPublished {
		t.Fatalf("container status %s, want PUBLISHED", got)
	}
	l := f.sim.Ledger()
	if len(l) != 1 || l[0].ContainerID != c {
		t.Fatalf("ledger %+v", l)
	}
	a := f.get(t, "/v1.0/me/threads", vals("since", strconv.FormatInt(start.Unix(), 10), "fields", "id,text"))
	if d := a.body["data"].([]any); len(d) != 1 || d[0].(map[string]any)["id"] != l[0].MediaID {
		t.Errorf("reconcile listing: %s", a.raw)
	}
	// A blind retry is refused, so the post exists exactly once.
	f.post(t, "/v1.0/me/threads_publish", vals("creation_id", c)).wantGraphError(t, 400, 100, 0)
	if len(f.sim.Ledger()) != 1 {
		t.Error("published twice")
	}
}

func TestFaultMediaNotFoundAndCustomError(t *testing.T) {
	f := newFixture(t, Options{})
	f.sim.Fault(EndpointPublish, Fault{Kind: FaultMediaNotFound, Count: 1})
	f.sim.Fault(EndpointPublish, Fault{Kind: FaultError, Count: 1, Error: &GraphError{Code: 368, Message: "blocked"}})
	c := f.create(t, "media_type", "TEXT", "text", "x")
	e := f.post(t, "/v1.0/me/threads_publish", vals("creation_id", c)).wantGraphError(t, 400, 24, 4279009)
	if e["error_user_msg"] != "The media with id "+c+" cannot be found." {
		t.Errorf("body %v", e)
	}
	f.post(t, "/v1.0/me/threads_publish", vals("creation_id", c)).wantGraphError(t, 400, 368, 0)
	f.publish(t, c)
}

func TestFaultSkipCountAndClear(t *testing.T) {
	f := newFixture(t, Options{})
	// Fail only the third call.
	f.sim.Fault(EndpointProfile, Fault{Kind: FaultTransient, Skip: 2, Count: 1})
	var statuses []int
	for range 4 {
		statuses = append(statuses, f.get(t, "/v1.0/me", nil).status)
	}
	if want := []int{200, 200, 500, 200}; !slices.Equal(statuses, want) {
		t.Errorf("statuses %v, want %v", statuses, want)
	}
	f.sim.Fault(EndpointAll, Fault{Kind: FaultServerError})
	if a := f.get(t, "/v1.0/me", nil); a.status != 502 {
		t.Errorf("EndpointAll fault: %d", a.status)
	}
	f.sim.ClearFaults()
	if a := f.get(t, "/v1.0/me", nil); a.status != 200 {
		t.Errorf("after ClearFaults: %d", a.status)
	}
	if got := f.sim.CallCount(EndpointProfile); got != 6 {
		t.Errorf("CallCount(profile) = %d, want 6", got)
	}
	if got := f.sim.CallCount(EndpointAll); got != 6 {
		t.Errorf("CallCount(all) = %d, want 6", got)
	}
}

func TestFaultRateIsSeeded(t *testing.T) {
	count := func() int {
		f := newFixture(t, Options{Seed: 42})
		f.sim.Fault(EndpointProfile, Fault{Kind: FaultTransient, Rate: 0.3})
		n := 0
		for range 200 {
			if f.get(t, "/v1.0/me", nil).status != 200 {
				n++
			}
		}
		return n
	}
	a, b := count(), count()
	if a != b {
		t.Errorf("same seed, different fault counts: %d vs %d", a, b)
	}
	if a < 30 || a > 90 {
		t.Errorf("%d of 200 calls faulted at rate 0.3", a)
	}
}

func TestFaultLatency(t *testing.T) {
	f := newFixture(t, Options{})
	f.sim.Fault(EndpointProfile, Fault{Kind: FaultLatency, Delay: 50 * time.Millisecond, Count: 1})
	start := time.Now()
	if a := f.get(t, "/v1.0/me", nil); a.status != 200 {
		t.Fatalf("latency fault changed the answer: %d", a.status)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answered after %v, want at least the 50ms delay", d)
	}
}

func TestFaultPanicsOnBadKind(t *testing.T) {
	f := newFixture(t, Options{})
	defer func() {
		if recover() == nil {
			t.Error("FaultError without Error did not panic")
		}
	}()
	f.sim.Fault(EndpointPublish, Fault{Kind: FaultError})
}

// TestFaultLateProcess: the caller sees its connection dropped and nothing done, and the call
// is performed only when released, as a request in flight when its caller died.
func TestFaultLateProcess(t *testing.T) {
	f := newFixture(t, Options{})
	release := make(chan struct{})
	f.sim.Fault(EndpointCreateContainer, Fault{Kind: FaultLateProcess, Count: 1, Release: release})
	resp, err := http.PostForm(f.sim.URL+"/v1.0/me/threads", vals("media_type", "TEXT", "text", "late",
		"auto_publish_text", "true", "access_token", f.token))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("want a dropped connection, got %d", resp.StatusCode)
	}
	if n := len(f.sim.Ledger()); n != 0 {
		t.Fatalf("the held call was performed before its release: ledger %d", n)
	}
	close(release)
	f.sim.WaitLate()
	if l := f.sim.Ledger(); len(l) != 1 || l[0].Text != "late" {
		t.Fatalf("after the release the call must be performed once: %+v", l)
	}
}

// TestPublishSameContainerConcurrently: a container is single-use. Of many publishes of one
// container racing each other, exactly one succeeds and the others are refused.
func TestPublishSameContainerConcurrently(t *testing.T) {
	f := newFixture(t, Options{})
	c := f.create(t, "media_type", "TEXT", "text", "once")
	const n = 8
	codes := make(chan int, n)
	for range n {
		go func() {
			resp, err := http.PostForm(f.sim.URL+"/v1.0/me/threads_publish", vals("creation_id", c, "access_token", f.token))
			if err != nil {
				codes <- -1
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	ok := 0
	for range n {
		if <-codes == http.StatusOK {
			ok++
		}
	}
	if ok != 1 || len(f.sim.Ledger()) != 1 {
		t.Fatalf("%d publishes succeeded, ledger %d: want exactly one", ok, len(f.sim.Ledger()))
	}
}
