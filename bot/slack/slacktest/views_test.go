package slacktest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/spindle-threads/spindle/bot/slack/slacktest"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func modal(title, callback string, blocks int) slack.ModalViewRequest {
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	v := slack.ModalViewRequest{Type: slack.VTModal, Title: plain(title), CallbackID: callback, Submit: plain("Go")}
	for i := range blocks {
		v.Blocks.BlockSet = append(v.Blocks.BlockSet, slack.NewInputBlock("b"+string(rune('a'+i)), plain("When?"), nil,
			slack.NewPlainTextInputBlockElement(nil, "when")))
	}
	return v
}

// TestViewsOpenIsStrict: views.open speaks Slack's rules: a trigger_id once, within 3 seconds
// by the server's clock, and a modal with a short title, a callback_id and blocks; each refusal
// is Slack's error code.
func TestViewsOpenIsStrict(t *testing.T) {
	t.Parallel()
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	s := slacktest.NewServer("xoxb-t", clock.Now)
	t.Cleanup(s.Close)
	api := slack.New("xoxb-t", slack.OptionAPIURL(s.APIURL()))
	ctx := context.Background()
	good := modal("Schedule the post", "cb", 1)

	trigger := s.Trigger()
	if _, err := api.OpenViewContext(ctx, trigger, good); err != nil {
		t.Fatalf("a fresh trigger: %v", err)
	}
	expired := s.Trigger()
	clock.Advance(3*time.Second + time.Millisecond)
	cases := []struct {
		name, trigger string
		view          slack.ModalViewRequest
		want          string
	}{
		{"exchanged", trigger, good, "exchanged_trigger_id"},
		{"expired", expired, good, "expired_trigger_id"},
		{"unknown", "1.2.nothing", good, "invalid_trigger_id"},
		{"title of 25", s.Trigger(), modal(strings.Repeat("t", 25), "cb", 1), "invalid_arguments"},
		{"no title", s.Trigger(), modal("", "cb", 1), "invalid_arguments"},
		{"no callback_id", s.Trigger(), modal("Title", "", 1), "invalid_arguments"},
		{"no blocks", s.Trigger(), modal("Title", "cb", 0), "invalid_arguments"},
		{"101 blocks", s.Trigger(), modal("Title", "cb", 101), "invalid_arguments"},
	}
	for _, c := range cases {
		_, err := api.OpenViewContext(ctx, c.trigger, c.view)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
		}
	}
	if _, err := api.OpenViewContext(ctx, s.Trigger(), modal(strings.Repeat("t", 24), "cb", 1)); err != nil {
		t.Errorf("a title of 24 characters: %v", err)
	}
	if n := len(s.Views()); n != 2 {
		t.Errorf("%d views opened, want 2", n)
	}
	bad := slack.New("xoxb-wrong", slack.OptionAPIURL(s.APIURL()))
	if _, err := bad.OpenViewContext(ctx, s.Trigger(), good); err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("a wrong token: %v", err)
	}
}
