package webhookstore_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/ingest/webhook/webhookstore"
	"github.com/spindle-threads/spindle/publisher"
)

// TestNotifierLaneIsTheCallbackHost: the publisher delivers callbacks in one lane per host, so
// one CI server that never answers holds up only the callbacks to it.
func TestNotifierLaneIsTheCallbackHost(t *testing.T) {
	t.Parallel()
	ref := func(cb string) json.RawMessage {
		b, _ := json.Marshal(webhook.Ref{Source: "ci", CallbackURL: cb})
		return b
	}
	n := webhookstore.NewNotifier(nil, nil, nil)
	for _, tt := range []struct {
		name   string
		origin json.RawMessage
		want   string
	}{
		{"callback host", ref("https://CI.example.com/spindle-result?x=1"), "ci.example.com"},
		{"host with port", ref("https://ci.example.com:8443/cb"), "ci.example.com:8443"},
		{"another host", ref("https://cms.example.org/hook"), "cms.example.org"},
		{"no callback", ref(""), ""},
		{"unparsable url", ref("https://ci.example.com/%zz"), ""},
		{"no origin", nil, ""},
		{"garbage origin", json.RawMessage(`{"callback_url":`), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := n.Lane(publisher.Event{Door: "webhook", OriginRef: tt.origin}); got != tt.want {
				t.Errorf("Lane = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzNotifierLane: a lane is computed from a callback URL that came from outside; whatever it
// holds, Lane neither panics nor returns more than a host (no path, no user info).
func FuzzNotifierLane(f *testing.F) {
	for _, s := range []string{"https://ci.example.com/cb", "https://user:pw@ci.example.com:8443/x?y#z", "", "%zz",
		"http://[::1]:80/", "ci.example.com/cb", "https://CI.EXAMPLE.COM"} {
		f.Add(s)
	}
	n := webhookstore.NewNotifier(nil, nil, nil)
	f.Fuzz(func(t *testing.T, cb string) {
		ref, _ := json.Marshal(webhook.Ref{Source: "ci", CallbackURL: cb})
		lane := n.Lane(publisher.Event{Door: "webhook", OriginRef: ref})
		if strings.ContainsAny(lane, "/@?#") || lane != strings.ToLower(lane) {
			t.Fatalf("Lane(%q) = %q, want a bare lower-case host", cb, lane)
		}
	})
}
