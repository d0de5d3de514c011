package publisher

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOutboxEventSurvivesAnUnreadableReplyAddress: a post whose stored reply address is not
// valid JSON used to panic the publish worker (and the daemon) when its result was encoded.
// The error is returned by encodeEvent; outboxEvent keeps the event without the address.
func TestOutboxEventSurvivesAnUnreadableReplyAddress(t *testing.T) {
	t.Parallel()
	bad := Event{Kind: EventPosted, PostID: "p1", Door: "slack", OriginRef: json.RawMessage(`{"channel":`), Permalink: "https://threads.net/@a/post/1"}
	if _, err := encodeEvent(bad, "p1:posted"); err == nil || !strings.Contains(err.Error(), `"p1"`) {
		t.Fatalf("encodeEvent = %v, want an error naming the post", err)
	}
	ev := New(Options{}).outboxEvent(bad, "p1:posted")
	var got Event
	if err := json.Unmarshal(ev.Payload, &got); err != nil {
		t.Fatalf("payload %q: %v", ev.Payload, err)
	}
	if ev.Key != "p1:posted" || ev.Door != "slack" || got.Kind != EventPosted || got.Permalink != bad.Permalink || string(got.OriginRef) != "null" {
		t.Errorf("event %+v payload %+v, want the event without its reply address", ev, got)
	}
}
