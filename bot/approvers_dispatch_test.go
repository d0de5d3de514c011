package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// frank knows nobody: no account, no grant, no approver's right.
var frank = bot.Identity{Door: ingest.DoorSlack, Team: "T1", User: "UFRANK", Name: "frank"}

// eachDialect runs f once per storage dialect the machine offers (SQLite always, PostgreSQL
// when SPINDLE_TEST_DATABASE_URL is set, as in CI): the bot package's other tests run on
// SQLite only, and these touch the approvers' storage.
func eachDialect(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	ds, err := storagetest.Dialects()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		t.Run(d, func(t *testing.T) {
			t.Setenv("SPINDLE_TEST_DIALECT", d)
			if storagetest.Dialect() != d {
				t.Fatalf("dialect %s not selected", d)
			}
			f(t)
		})
	}
}

// runSteps says each step and checks its answer; %ID% is the last post queued.
func runSteps(t *testing.T, w *world, steps []step) {
	t.Helper()
	var lastID string
	for _, s := range steps {
		w.clock.Advance(time.Second)
		r := w.say(s.who, s.channel, strings.ReplaceAll(s.text, "%ID%", lastID))
		for _, want := range s.want {
			if !strings.Contains(r.Text, want) {
				t.Errorf("%s: %q: reply lacks %q:\n%s", s.name, s.text, want, r.Text)
			}
		}
		for _, not := range s.not {
			if strings.Contains(r.Text, not) {
				t.Errorf("%s: %q: reply has %q:\n%s", s.name, s.text, not, r.Text)
			}
		}
		if r.Private != s.private {
			t.Errorf("%s: %q: private = %v, want %v", s.name, s.text, r.Private, s.private)
		}
		if r.Queued != "" {
			lastID = r.Queued
		}
	}
}

// TestNamedApprovers: the owner names approvers; an approver sees and decides the account's
// held posts, and status names them. The attackers: a grantee (of this account, and approver
// of another), a stranger, a removed approver, and the owner of another account cannot
// name approvers or decide, and learn nothing of the post.
func TestNamedApprovers(t *testing.T) {
	eachDialect(t, func(t *testing.T) {
		w := approvalWorld(t)
		runSteps(t, w, []step{
			{"owner turns approvals on", alice, "C1", "approvals on", []string{"Approvals on for @acme", "people granted the account and feeds"}, nil, false},
			{"grantee cannot name approvers", bob, "C1", "approvals add <@UDAVE|dave>", []string{"Only the owner of @acme"}, nil, true},
			{"another owner cannot name approvers on acme", carol, "C1", "approvals add <@UDAVE|dave> --account @acme", []string{"You cannot use @acme"}, nil, true},
			{"a bare name is not enough on Slack", alice, "C1", "approvals add @dave", []string{"Mention the person"}, nil, true},
			{"owner names dave", alice, "C1", "approvals add <@UDAVE|dave>", []string{"<@UDAVE> may now approve", "@acme"}, nil, false},
			{"owner names a Telegram user", alice, "C1", "approvals add 4242", []string{"Telegram user 4242 may now approve"}, nil, false},
			{"owner cannot name themself", alice, "C1", "approvals add <@UALICE>", []string{"You own @acme"}, nil, true},
			{"carol names bob for beta", carol, "C1", "approvals add <@UBOB|bob>", []string{"may now approve", "@beta"}, nil, false},
			{"grantee's post waits", bob, "C1", "post needs a look", []string{"waits for approval"}, nil, false},
			{"owner sees the policy and the post", alice, "C1", "approvals",
				[]string{"@acme: approvals on for posts by people granted the account and feeds; approved by you, <@UDAVE>, Telegram user 4242", "1 waiting for your approval", "needs a look"}, nil, true},
			{"the approver sees the post, not the policy", dave, "C1", "approvals", []string{"1 waiting for your approval", "@acme", "needs a look"}, []string{"approvals on for"}, true},
			{"approver of beta, grantee of acme, cannot approve", bob, "C1", "approve %ID%", []string{"Only the owner of @acme, or an approver"}, nil, true},
			{"the approver of beta sees nothing of acme", bob, "C1", "approvals", []string{"Nothing is waiting for your approval"}, []string{"needs a look"}, true},
			{"another owner cannot approve", carol, "C1", "approve %ID%", []string{"There is no post"}, []string{"@acme"}, true},
			{"a stranger cannot reject", frank, "C1", "reject %ID% spam", []string{"There is no post"}, []string{"@acme"}, true},
			{"the approver asks its status", dave, "C1", "status %ID%", []string{"@acme", "waiting for approval"}, nil, false},
			{"a stranger's status learns nothing", frank, "C1", "status %ID%", []string{"I know no post"}, []string{"@acme"}, true},
			{"the approver approves", dave, "C1", "approve %ID%", []string{"Approved", "@acme"}, nil, false},
			{"status names the approver", alice, "C1", "status %ID%", []string{"Approved by dave"}, []string{"slack:T1:UDAVE"}, false},
			{"grantee posts again", bob, "C1", "post second thoughts", []string{"waits for approval"}, nil, false},
			{"owner removes dave", alice, "C1", "approvals remove <@UDAVE|dave>", []string{"<@UDAVE> may no longer approve posts for @acme"}, nil, false},
			{"removing twice says so", alice, "C1", "approvals remove <@UDAVE>", []string{"was not an approver of @acme"}, nil, true},
			{"the removed approver cannot approve", dave, "C1", "approve %ID%", []string{"There is no post"}, nil, true},
			{"nor ask its status", dave, "C1", "status %ID%", []string{"I know no post"}, []string{"second thoughts"}, true},
			{"the removed approver sees nothing", dave, "C1", "approvals", []string{"Nothing is waiting"}, []string{"second thoughts"}, true},
			{"the Telegram approver rejects", erin, "", "reject %ID% not now", []string{"Rejected", "not now"}, nil, false},
			{"status names them", bob, "C1", "status %ID%", []string{"Rejected by erin", "not now"}, nil, false},
			{"owner holds webhooks only", alice, "C1", "approvals on webhooks", []string{"posts by webhooks wait"}, nil, false},
			{"the policy says so", alice, "C1", "approvals", []string{"@acme: approvals on for posts by webhooks;"}, []string{"feeds"}, true},
			{"grantee posts freely", bob, "C1", "post free again", []string{"Queued"}, []string{"waits for approval"}, false},
			{"owner turns approvals off", alice, "C1", "approvals off", []string{"Approvals off for @acme"}, nil, false},
			{"the policy says off", alice, "C1", "approvals", []string{"@acme: approvals off", "Nothing is waiting"}, nil, true},
		})
	})
}

// TestApproverCannotDecideOwnPost: a grantee the owner also named approver cannot approve or
// reject the post they wrote, nor one they edited last; another approver and the owner can.
func TestApproverCannotDecideOwnPost(t *testing.T) {
	eachDialect(t, func(t *testing.T) {
		w := approvalWorld(t)
		runSteps(t, w, []step{
			{"owner turns approvals on", alice, "C1", "approvals on", []string{"Approvals on for @acme"}, nil, false},
			{"owner names the grantee", alice, "C1", "approvals add <@UBOB|bob>", []string{"may now approve"}, nil, false},
			{"owner names dave", alice, "C1", "approvals add <@UDAVE|dave>", []string{"may now approve"}, nil, false},
			{"the grantee-approver posts", bob, "C1", "post my own words", []string{"waits for approval"}, nil, false},
			{"and cannot approve them", bob, "C1", "approve %ID%", []string{"You wrote (or last edited) post"}, nil, true},
			{"nor reject them", bob, "C1", "reject %ID% changed my mind", []string{"You wrote (or last edited) post"}, nil, true},
			{"the other approver approves", dave, "C1", "approve %ID%", []string{"Approved"}, nil, false},
		})
		if err := w.accounts.Grant(context.Background(), alice, w.acme.ID, erin); err != nil {
			t.Fatal(err)
		}
		runSteps(t, w, []step{
			{"another grantee posts", erin, "", "post erin's words", []string{"waits for approval"}, nil, false},
			{"the grantee-approver edits it", bob, "C1", "edit %ID% bob's words now", []string{"Edited", "waits for approval"}, nil, false},
			{"and cannot approve the text he wrote", bob, "C1", "approve %ID%", []string{"You wrote (or last edited) post"}, nil, true},
			{"not even with its round", bob, "C1", "approve %ID%:2", []string{"You wrote (or last edited) post"}, nil, true},
			{"a card from before the edit decides nothing", dave, "C1", "approve %ID%:1", []string{"changed since you saw it", "round 2 of its approval is waiting (you saw round 1)"}, nil, true},
			{"the owner may decide it", alice, "C1", "reject %ID%:2 no", []string{"Rejected"}, nil, false},
		})
	})
}
