package status_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/publisher/status"
	"github.com/spindle-threads/spindle/storage"
)

// TestPageShowsFailingEventSubscriptions: a subscription whose receiver keeps failing, or
// whose deliveries were given up, is on the page with why; a healthy one is not.
func TestPageShowsFailingEventSubscriptions(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 3, 8, 30, 0, 0, time.UTC)
	subs := []storage.EventSubscription{
		{ID: 1, URL: "https://ok.example/in", LastState: storage.EventDeliveryDelivered, LastStatus: 200, LastAt: at},
		{ID: 2, URL: "https://down.example/in?token=hunter2", Pending: 3, LastState: storage.EventDeliveryPending, LastStatus: 503,
			LastError: "the receiver answered 503 Service Unavailable", LastAt: at},
		{ID: 3, URL: "https://gone.example/in", Failed: 2, LastState: storage.EventDeliveryDelivered, LastStatus: 200, LastAt: at},
	}
	f := newFixture(t, status.Options{Password: config.NewSecret(password),
		Events: func(context.Context) ([]storage.EventSubscription, error) { return subs, nil }})
	_, page := f.do(t, "GET", "/", password, nil)
	for _, want := range []string{"Event webhooks", "https://down.example/in", "answered 503", "https://gone.example/in", "spindle events redeliver"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "hunter2") {
		t.Error("the page shows a receiver URL's query")
	}
	if strings.Contains(page, "https://ok.example/in") {
		t.Error("a healthy subscription is listed as failing")
	}

	subs = subs[:1]
	if _, page = f.do(t, "GET", "/", password, nil); !strings.Contains(page, "1 subscription(s), none failing") {
		t.Error("the page does not say that no subscription fails")
	}
}
