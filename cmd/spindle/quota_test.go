package main

import (
	"context"
	"testing"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestChatQuotaViewUsesConfiguredLimits: /threads quota in Slack reports the limits the
// operator set (SPINDLE_QUOTA_*), the same the publisher keeps, where it used to say Meta's.
func TestChatQuotaViewUsesConfiguredLimits(t *testing.T) {
	env := map[string]string{"SPINDLE_QUOTA_POSTS": "5", "SPINDLE_QUOTA_DELETES": "9"}
	cfg, err := config.Load(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a := &app{cfg: cfg, db: storagetest.Open(t, nil)}
	v, err := storeQuotas{db: a.db, limits: a.limits()}.Quota(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"posts": 5, "replies": 1000, "deletes": 9}
	if len(v.Kinds) != len(want) {
		t.Fatalf("got %d kinds, want %d: %+v", len(v.Kinds), len(want), v.Kinds)
	}
	for _, k := range v.Kinds {
		if k.Limit != want[k.Kind] {
			t.Errorf("%s: limit %d, want %d", k.Kind, k.Limit, want[k.Kind])
		}
	}
}
