package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/events"
	"github.com/spindle-threads/spindle/storage"
)

// testEventHooks is what the daemon wires: the subscriptions' secrets and the database.
type testEventHooks struct {
	events.Subscriptions
	*storage.DB
}

// TestEventSubscriptionsOverREST: the account's owner adds, lists, rotates, redelivers and
// removes; a grantee, a revoked grantee and a stranger can do none of it and learn nothing;
// bad input changes nothing; the operator's all-account subscriptions are not visible.
func TestEventSubscriptionsOverREST(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	add := map[string]any{"url": "https://hooks.example.com/in", "events": []string{"post.published", "post.failed"}}
	for _, role := range []string{"grantee", "revoked", "stranger", ""} {
		if status, _, raw := e.do(role, "POST", "/api/events/subscriptions", add); status < 400 || status >= 500 {
			t.Errorf("add as %q: %d %s", role, status, raw)
		}
	}
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"url": "ftp://x.example/"}, "url"},
		{map[string]any{"url": "https://x.example/", "events": []string{"post.publish"}}, "events"},
	} {
		status, body, raw := e.do("owner", "POST", "/api/events/subscriptions", tc.body)
		if status != http.StatusBadRequest || body["field"] != tc.field {
			t.Errorf("add %v: %d %s", tc.body, status, raw)
		}
	}
	if subs, _ := e.db.EventSubscriptions(ctx); len(subs) != 0 {
		t.Fatalf("refused requests stored %d subscriptions", len(subs))
	}
	// The operator's subscription to every account.
	if _, _, err := (events.Subscriptions{Store: e.db, Sealer: testKeys(t)}).Add(ctx, events.Spec{URL: "https://ops.example/in"}); err != nil {
		t.Fatal(err)
	}

	status, body, raw := e.do("owner", "POST", "/api/events/subscriptions", add)
	if status != http.StatusCreated || body["account"] != "@brand" || !strings.HasPrefix(fmt.Sprint(body["secret"]), "whsec_") {
		t.Fatalf("add: %d %s", status, raw)
	}
	id := int64(body["id"].(float64))
	secret := body["secret"].(string)

	status, _, raw = e.do("owner", "GET", "/api/events/subscriptions", nil)
	if status != http.StatusOK || !strings.Contains(string(raw), "hooks.example.com") || strings.Contains(string(raw), "ops.example") || strings.Contains(string(raw), "whsec_") {
		t.Errorf("list: %d %s", status, raw)
	}
	if status, _, raw := e.do("grantee", "GET", "/api/events/subscriptions", nil); status < 400 || strings.Contains(string(raw), "hooks.example") {
		t.Errorf("list as grantee: %d %s", status, raw)
	}
	for _, role := range []string{"grantee", "stranger"} {
		if status, _, raw := e.do(role, "POST", fmt.Sprintf("/api/events/subscriptions/%d/rotate", id), nil); status != http.StatusNotFound {
			t.Errorf("rotate as %s: %d %s", role, status, raw)
		}
		if status, _, raw := e.do(role, "DELETE", fmt.Sprintf("/api/events/subscriptions/%d", id), nil); status != http.StatusNotFound {
			t.Errorf("delete as %s: %d %s", role, status, raw)
		}
	}
	if status, _, raw := e.do("owner", "DELETE", "/api/events/subscriptions/1", nil); status != http.StatusNotFound {
		t.Errorf("delete the operator's subscription: %d %s", status, raw)
	}

	status, body, raw = e.do("owner", "POST", fmt.Sprintf("/api/events/subscriptions/%d/rotate", id), nil)
	if status != http.StatusOK || body["secret"] == secret || !strings.HasPrefix(fmt.Sprint(body["secret"]), "whsec_") {
		t.Errorf("rotate: %d %s", status, raw)
	}

	if err := e.db.AddEventDeliveries(ctx, []storage.EventDelivery{{EventID: 5, SubscriptionID: id, Kind: "post.published", Body: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	ds, _ := e.db.EventDeliveries(ctx, id, 1)
	if status, _, raw := e.do("stranger", "POST", fmt.Sprintf("/api/events/deliveries/%d/redeliver", ds[0].ID), nil); status != http.StatusNotFound {
		t.Errorf("redeliver as stranger: %d %s", status, raw)
	}
	status, body, raw = e.do("owner", "POST", fmt.Sprintf("/api/events/deliveries/%d/redeliver", ds[0].ID), nil)
	if status != http.StatusAccepted || body["webhookId"] != events.MessageID(ds[0].ID) {
		t.Errorf("redeliver: %d %s", status, raw)
	}
	if status, _, raw := e.do("owner", "DELETE", fmt.Sprintf("/api/events/subscriptions/%d", id), nil); status != http.StatusOK {
		t.Errorf("delete: %d %s", status, raw)
	}
	if subs, _ := e.db.EventSubscriptions(ctx); len(subs) != 1 || subs[0].URL != "https://ops.example/in" {
		t.Errorf("after delete: %+v", subs)
	}
}

func testKeys(t *testing.T) *accounts.Keys {
	k, err := accounts.NewKeys([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}
