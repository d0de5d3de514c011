package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// holdPost stores a post on username held for approval, as a grantee's would be.
func holdPost(t *testing.T, dir, username, text string) string {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := db.AccountByUsername(ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "telegram", Text: text,
		Approval: storage.ApprovalHold{Author: "telegram:7", ExpiresAt: time.Now().Add(time.Hour)}})
	if err != nil || p.State != storage.StatePendingApproval {
		t.Fatalf("hold: %+v %v", p, err)
	}
	return p.ID
}

// TestApprovalsCommand: the operator sets the policy, names and removes approvers, lists the
// posts waiting and decides them; bad input changes nothing and says what to type.
func TestApprovalsCommand(t *testing.T) {
	dir := t.TempDir()
	linkAccount(t, dir, "alice")
	env := map[string]string{"SPINDLE_DATA_DIR": dir}
	for _, bad := range [][]string{
		{"approvals"},
		{"approvals", "on"},
		{"approvals", "on", "--account", "alice", "--who", "grantees,everyone"},
		{"approvals", "on", "--account", "alice", "--who", ","},
		{"approvals", "off", "--account", "alice", "--who", "feeds"},
		{"approvals", "--account", "alice", "extra"},
		{"approvals", "approvers", "add", "U0456", "--account", "alice"},
		{"approvals", "approvers", "add", "--account", "alice"},
		{"approvals", "approvers", "promote", "slack:T1:U1", "--account", "alice"},
		{"approvals", "on", "--account", "nobody"},
		{"approvals", "approvers", "remove", "telegram:99", "--account", "alice"},
		{"posts", "approve"},
		{"posts", "approve", "p7k2m9", "--reason", "why not"},
		{"posts", "reject", "nosuchid"},
	} {
		if code, out, errOut := spindle(t, env, bad...); code == 0 || errOut == "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", bad, code, out, errOut)
		}
	}
	code, out, errOut := spindle(t, env, "approvals", "--account", "alice")
	if code != 0 || out != "@alice: approvals off\napprovers: the owner\n" {
		t.Fatalf("approvals show: exit %d, %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = spindle(t, env, "approvals", "on", "--account", "alice")
	if code != 0 || !strings.Contains(out, "approvals on for posts by people granted the account and feeds") {
		t.Fatalf("approvals on: exit %d, %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = spindle(t, env, "approvals", "on", "--account", "@alice", "--who", "webhooks, api", "--json")
	var shown struct {
		On        bool     `json:"on"`
		Who       []string `json:"who"`
		Approvers []struct {
			Key string `json:"key"`
		} `json:"approvers"`
	}
	if err := json.Unmarshal([]byte(out), &shown); code != 0 || err != nil || !shown.On || strings.Join(shown.Who, ",") != "webhooks,api" {
		t.Fatalf("approvals on --who: exit %d, %q (%v), stderr %q", code, out, err, errOut)
	}
	for _, who := range []string{"slack:T0123:U0456", "telegram:4242"} {
		if code, _, errOut := spindle(t, env, "approvals", "approvers", "add", who, "--account", "alice"); code != 0 {
			t.Fatalf("approvers add %s: exit %d, stderr %q", who, code, errOut)
		}
	}
	code, out, errOut = spindle(t, env, "approvals", "approvers", "remove", "telegram:4242", "--account", "alice", "--json")
	if err := json.Unmarshal([]byte(out), &shown); code != 0 || err != nil || len(shown.Approvers) != 1 || shown.Approvers[0].Key != "slack:T0123:U0456" {
		t.Fatalf("approvers remove: exit %d, %q (%v), stderr %q", code, out, err, errOut)
	}
	code, out, _ = spindle(t, env, "approvals", "pending")
	if code != 0 || out != "nothing is waiting for approval\n" {
		t.Fatalf("pending with none: exit %d, %q", code, out)
	}
	first, second := holdPost(t, dir, "alice", "first\nsecond line"), holdPost(t, dir, "alice", "other")
	code, out, errOut = spindle(t, env, "approvals", "pending", "--account", "alice", "--json")
	var rows []struct {
		ID, Account, Text, Author string
	}
	if err := json.Unmarshal([]byte(out), &rows); code != 0 || err != nil || len(rows) != 2 || rows[0].Author != "telegram:7" || rows[0].Account != "alice" {
		t.Fatalf("pending: exit %d, %q (%v), stderr %q", code, out, err, errOut)
	}
	if code, out, errOut := spindle(t, env, "posts", "approve", first); code != 0 || !strings.Contains(out, first+" approved") {
		t.Fatalf("approve: exit %d, %q, stderr %q", code, out, errOut)
	}
	if code, _, errOut := spindle(t, env, "posts", "approve", first); code == 0 || !strings.Contains(errOut, "not waiting for approval (it is queued)") {
		t.Fatalf("approve twice: exit %d, stderr %q", code, errOut)
	}
	if code, out, errOut := spindle(t, env, "posts", "reject", second, "--reason", "off brand", "--json"); code != 0 || !strings.Contains(out, `"status": "cancelled"`) {
		t.Fatalf("reject: exit %d, %q, stderr %q", code, out, errOut)
	}
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ap, err := db.ApprovalOf(context.Background(), second)
	if err != nil || ap.Decider() != "the operator" || ap.Reason != "off brand" {
		t.Fatalf("record of the rejection: %+v %v", ap, err)
	}
}
