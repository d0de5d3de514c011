package ingest_test

import (
	"testing"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

func TestNeedsApproval(t *testing.T) {
	def := storage.ApprovalPolicy{Grantees: true, Feeds: true}
	all := storage.ApprovalPolicy{Grantees: true, Feeds: true, Webhooks: true, API: true}
	cases := []struct {
		name    string
		p       storage.ApprovalPolicy
		door    ingest.Door
		grantee bool
		want    bool
	}{
		{"off: grantee posts freely", storage.ApprovalPolicy{}, ingest.DoorSlack, true, false},
		{"owner in chat never waits", all, ingest.DoorSlack, false, false},
		{"grantee in slack waits", def, ingest.DoorSlack, true, true},
		{"grantee in telegram waits", def, ingest.DoorTelegram, true, true},
		{"feed waits", def, ingest.DoorFeed, false, true},
		{"webhook free by default", def, ingest.DoorWebhook, false, false},
		{"webhook waits when asked", all, ingest.DoorWebhook, false, true},
		{"api token of a grantee waits", def, ingest.DoorAPI, true, true},
		{"api of the owner free unless asked", def, ingest.DoorAPI, false, false},
		{"api waits when asked", all, ingest.DoorAPI, false, true},
		{"cli never waits", all, ingest.DoorCLI, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ingest.NeedsApproval(tc.p, tc.door, tc.grantee); got != tc.want {
				t.Fatalf("NeedsApproval = %v, want %v", got, tc.want)
			}
		})
	}
}
