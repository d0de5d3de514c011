package bot

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/storage"
)

func approvalParseCases() []parseCase {
	on := func(who string) Command { return Command{Verb: VerbApprovals, Sub: "on", Who: who} }
	return []parseCase{
		{name: "approvals lists", in: "approvals", want: Command{Verb: VerbApprovals}},
		{name: "approvals lists one account", in: "approvals --account @Acme", want: Command{Verb: VerbApprovals, Account: "acme"}},
		{name: "approvals on", in: "approvals on", want: on("grantees,feeds")},
		{name: "approvals off account", in: "Approvals OFF --account @Acme", want: Command{Verb: VerbApprovals, Sub: "off", Account: "acme"}},
		{name: "approvals on one", in: "approvals on webhooks", want: on("webhooks")},
		{name: "approvals on any order", in: "approvals on api feeds grantees", want: on("grantees,feeds,api")},
		{name: "approvals on commas", in: "approvals on feeds,webhooks", want: on("webhooks,feeds")},
		{name: "approvals on commas and spaces", in: "approvals on Grantees, API", want: on("grantees,api")},
		{name: "approvals on singular", in: "approvals on grantee webhook feed", want: on("grantees,webhooks,feeds")},
		{name: "approvals on twice", in: "approvals on feeds feeds,feeds", want: on("feeds")},
		{name: "approvals on all four", in: "approvals on grantees webhooks feeds api --account @acme", want: Command{Verb: VerbApprovals, Sub: "on", Who: "grantees,webhooks,feeds,api", Account: "acme"}},
		{name: "approvals on option first", in: "approvals --account @acme on api", want: Command{Verb: VerbApprovals, Sub: "on", Who: "api", Account: "acme"}},
		{name: "approvals on stray commas", in: "approvals on ,feeds,", want: on("feeds")},
		{name: "approvals add name", in: "approvals add @ann", want: Command{Verb: VerbApprovals, Sub: "add", User: UserRef{Name: "ann"}}},
		{name: "approvals add mention", in: "approvals add <@U123|ann>", want: Command{Verb: VerbApprovals, Sub: "add", User: UserRef{ID: "U123", Name: "ann"}}},
		{name: "approvals add telegram", in: "approvals ADD 4242 --account @acme", want: Command{Verb: VerbApprovals, Sub: "add", User: UserRef{ID: "4242"}, Account: "acme"}},
		{name: "approvals remove", in: "approvals remove <@U123>", want: Command{Verb: VerbApprovals, Sub: "remove", User: UserRef{ID: "U123"}}},
		{name: "approve", in: "approve P7K2M9", want: Command{Verb: VerbApprove, PostID: "p7k2m9"}},
		{name: "reject", in: "reject p7k2m9", want: Command{Verb: VerbReject, PostID: "p7k2m9"}},
		{name: "reject reason", in: "reject #p7k2m9 not before the launch", want: Command{Verb: VerbReject, PostID: "p7k2m9", Text: "not before the launch"}},
		{name: "approve a card's round", in: "approve p7k2m9:2", want: Command{Verb: VerbApprove, PostID: "p7k2m9", Round: 2}},
		{name: "reject a card's round", in: "reject #P7K2M9:13 not before the launch", want: Command{Verb: VerbReject, PostID: "p7k2m9", Round: 13, Text: "not before the launch"}},
	}
}

func approvalBadCases() []badCase {
	return []badCase{
		{"approvals maybe", "approvals maybe", VerbApprovals, "not “maybe”"},
		{"approvals two", "approvals on off", VerbApprovals, "not “off”"},
		{"approvals on unknown", "approvals on everyone", VerbApprovals, "grantees, webhooks, feeds or api"},
		{"approvals on unknown after comma", "approvals on feeds,slack", VerbApprovals, "not “slack”"},
		{"approvals off extra", "approvals off feeds", VerbApprovals, "“approvals off” takes nothing"},
		{"approvals add nobody", "approvals add", VerbApprovals, "approvals add"},
		{"approvals add two", "approvals add @ann @tom", VerbApprovals, "approvals add"},
		{"approvals add not a user", "approvals add ann!", VerbApprovals, "is not a user"},
		{"approvals remove nobody", "approvals remove", VerbApprovals, "approvals remove"},
		{"approvals account twice", "approvals on --account @a --account @b", VerbApprovals, "only once"},
		{"approve bare", "approve", VerbApprove, "needs the post id"},
		{"approve extra", "approve p7k2m9 looks good", VerbApprove, "takes only the post id"},
		{"reject bare", "reject", VerbReject, "needs the post id"},
		{"approve round 0", "approve p7k2m9:0", VerbApprove, "not a post id with its approval round"},
		{"approve round not a number", "approve p7k2m9:two", VerbApprove, "not a post id with its approval round"},
		{"approve empty round", "approve p7k2m9:", VerbApprove, "not a post id with its approval round"},
		{"approve round over 32 bits", "approve p7k2m9:2147483648", VerbApprove, "not a post id with its approval round"},
		{"reject bad id with round", "reject p7:2", VerbReject, "is not a post id"},
	}
}

// TestPolicyOfAndWords: the canonical Who turns into exactly the flags it names, and the
// words for people name each.
func TestPolicyOfAndWords(t *testing.T) {
	cases := []struct {
		who   string
		want  storage.ApprovalPolicy
		words string
	}{
		{"", storage.ApprovalPolicy{}, ""},
		{"grantees,feeds", storage.ApprovalPolicy{Grantees: true, Feeds: true}, "people granted the account and feeds"},
		{"webhooks", storage.ApprovalPolicy{Webhooks: true}, "webhooks"},
		{"api", storage.ApprovalPolicy{API: true}, "the REST API and MCP"},
		{"grantees,webhooks,feeds,api", storage.ApprovalPolicy{Grantees: true, Webhooks: true, Feeds: true, API: true},
			"people granted the account, webhooks, feeds and the REST API and MCP"},
	}
	for _, c := range cases {
		got := policyOf(7, c.who, "k")
		c.want.AccountID, c.want.UpdatedBy = 7, "k"
		if got != c.want {
			t.Errorf("policyOf(%q) = %+v, want %+v", c.who, got, c.want)
		}
		if w := PolicyWords(got); w != c.words {
			t.Errorf("PolicyWords(%q) = %q, want %q", c.who, w, c.words)
		}
	}
}

// FuzzParseApprovals: whatever follows "approvals", Parse either refuses with a usage error
// or returns a sub-command it knows, whose Who lists only known names, in canonical order,
// each named in the input.
func FuzzParseApprovals(f *testing.F) {
	for _, c := range approvalParseCases() {
		f.Add(strings.TrimPrefix(c.in, "approvals"))
	}
	for _, c := range approvalBadCases() {
		f.Add(strings.TrimPrefix(c.in, "approvals"))
	}
	f.Fuzz(func(t *testing.T, rest string) {
		cmd, err := parseApprovals(rest)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) || ue.Problem == "" || ue.Verb != VerbApprovals {
				t.Fatalf("parseApprovals(%q): %v is not an approvals usage error", rest, err)
			}
			return
		}
		if !slices.Contains([]string{"", "on", "off", "add", "remove"}, cmd.Sub) {
			t.Fatalf("parseApprovals(%q): unknown sub %q", rest, cmd.Sub)
		}
		if (cmd.Who != "") != (cmd.Sub == "on") {
			t.Fatalf("parseApprovals(%q): Who %q with sub %q", rest, cmd.Who, cmd.Sub)
		}
		if (cmd.User != UserRef{}) != (cmd.Sub == "add" || cmd.Sub == "remove") {
			t.Fatalf("parseApprovals(%q): user %+v with sub %q", rest, cmd.User, cmd.Sub)
		}
		if cmd.Who == "" {
			return
		}
		last := -1
		named := strings.ToLower(rest)
		for w := range strings.SplitSeq(cmd.Who, ",") {
			i := slices.Index(whoOrder, w)
			if i <= last {
				t.Fatalf("parseApprovals(%q): Who %q is not canonical", rest, cmd.Who)
			}
			last = i
			if cmd.Who != defaultWho && !strings.Contains(named, strings.TrimSuffix(w, "s")) {
				t.Fatalf("parseApprovals(%q): %q was never typed", rest, w)
			}
		}
	})
}
