package slack

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot/slack/slacktest"
	"github.com/spindle-threads/spindle/storage"
)

// TestApproverButtons: through Slack's signed endpoints, an approver the owner named gets the
// Approve / Reject buttons and decides with them, and status names them; a stranger's press
// and, once removed, the approver's own press are refused and change nothing.
func TestApproverButtons(t *testing.T) {
	t.Parallel()
	e, srv := approvalEnv(t)
	ctx := context.Background()

	if a := e.say("UALICE", "approvals on"); !strings.Contains(a.Text, "Approvals on for @acme") {
		t.Fatalf("approvals on: %q", a.Text)
	}
	if a := e.say("UALICE", "approvals add <@UDAVE|udave>"); !strings.Contains(a.Text, "may now approve") {
		t.Fatalf("approvals add: %q", a.Text)
	}
	held := func(text string) string {
		t.Helper()
		e.say("UBOB", "post "+text)
		ps, err := e.db.List(ctx, storage.ListFilter{States: []storage.State{storage.StatePendingApproval}})
		if err != nil || len(ps) != 1 {
			t.Fatalf("pending posts: %v %d", err, len(ps))
		}
		return ps[0].ID
	}
	id := held("needs a look")
	if a := e.say("UDAVE", "approvals"); !strings.Contains(string(a.Blocks), `"value":"`+id+`"`) || !strings.Contains(string(a.Blocks), `"action_id":"reject_post"`) {
		t.Fatalf("the approver's list has no buttons for %s: %s", id, a.Blocks)
	}
	replaced, private := 0, 0
	// press sends a signed press; a press that decides replaces the message, a refused one is
	// answered privately and leaves the message as it was.
	press := func(user, action, postID string, decides bool) string {
		t.Helper()
		form := slacktest.ButtonPress{Team: "T1", Channel: "C1", User: user, UserName: strings.ToLower(user),
			ActionID: action, Value: postID, ResponseURL: e.slack.ResponseURL("press-" + user + itoa(e.seq.Add(1)))}.Form()
		if code := e.press(srv, form, testSecret, time.Now()); code != http.StatusOK {
			t.Fatalf("%s's press: %d", user, code)
		}
		if decides {
			replaced++
			return e.replaced(replaced).Text
		}
		private++
		return e.answeredPrivately(private).Text
	}
	if m := press("UCAROL", "approve_post", id, false); !strings.Contains(m, "There is no post") {
		t.Fatalf("a stranger's press answered %q", m)
	}
	if p, _ := e.db.Get(ctx, id); p.State != storage.StatePendingApproval {
		t.Fatalf("after the stranger's press the post is %s", p.State)
	}
	if m := press("UDAVE", "reject_post", id, true); !strings.Contains(m, "Rejected by udave: "+id) {
		t.Fatalf("the approver's press answered %q", m)
	}
	if a := e.say("UALICE", "status "+id); !strings.Contains(a.Text, "Rejected by udave") {
		t.Fatalf("status: %q", a.Text)
	}
	if a := e.say("UALICE", "approvals remove <@UDAVE>"); !strings.Contains(a.Text, "may no longer approve") {
		t.Fatalf("remove: %q", a.Text)
	}
	id = held("second try")
	if m := press("UDAVE", "approve_post", id, false); !strings.Contains(m, "There is no post") {
		t.Fatalf("the removed approver's press answered %q", m)
	}
	if p, _ := e.db.Get(ctx, id); p.State != storage.StatePendingApproval {
		t.Fatalf("after the removed approver's press the post is %s", p.State)
	}
}
