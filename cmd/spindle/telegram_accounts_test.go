package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/gorilla/mux"

	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// tgSecret is the Telegram webhook secret of the daemons these tests build.
const tgSecret = "tg-webhook-SECRET"

// telegramDaemon builds the daemon in-process, as serve does, with the Telegram door in webhook
// mode against tg and Threads at a simulator; its routes are served by the returned server.
// Nothing is started: updates are handled as they are posted to the webhook, and posts are
// queued, not published. tweaks change the configuration before the build.
func telegramDaemon(t *testing.T, tg *telegramtest.Server, tweaks ...func(*config.Config)) (*app, *httptest.Server) {
	t.Helper()
	sim := threadstest.NewServer(threadstest.Options{})
	t.Cleanup(sim.Close)
	srv := httptest.NewUnstartedServer(nil)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.PublicURL = "http://" + srv.Listener.Addr().String()
	cfg.Threads.APIURL, cfg.Threads.AppID, cfg.Threads.AppSecret = sim.URL, sim.AppID(), config.NewSecret(sim.AppSecret())
	cfg.Telegram.BotToken, cfg.Telegram.APIURL = config.NewSecret(tg.Token), tg.URL
	cfg.Telegram.WebhookSecret = config.NewSecret(tgSecret)
	for _, tweak := range tweaks {
		tweak(&cfg)
	}
	if err := cfg.EnsureSecretKey(); err != nil {
		t.Fatal(err)
	}
	a := &app{cfg: cfg, log: slog.New(slog.DiscardHandler), router: mux.NewRouter()}
	t.Cleanup(a.close)
	if err := a.build(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = a.router
	srv.Start()
	t.Cleanup(srv.Close)
	return a, srv
}

// link stores a Threads account owned by owner, as the OAuth callback would.
func link(t *testing.T, db *storage.DB, owner accounts.Identity, username string) storage.Account {
	t.Helper()
	acc, err := db.LinkAccount(context.Background(), storage.Account{ThreadsUserID: "tu-" + username, Username: username,
		TokenSealed: []byte("sealed"), TokenExpiresAt: time.Now().Add(24 * time.Hour), TokenRefreshedAt: time.Now()}, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	return acc
}

// TestTelegramOwnerWithAGrantPostsTextAndPhotoAlike: bob owns @bobs and was granted @alices.
// His /post of text and his photo captioned /post both go to @bobs, the account he owns, as
// they do from Slack. Before, the Telegram door chose accounts for media by rules of its own
// and answered the photo with "several accounts … and have no default".
func TestTelegramOwnerWithAGrantPostsTextAndPhotoAlike(t *testing.T) {
	tg := telegramtest.NewServer("")
	t.Cleanup(tg.Close)
	a, srv := telegramDaemon(t, tg)
	ctx := context.Background()
	bob := telegramtest.User(4242, "bob")
	bobID, err := a.accounts.Identify(ctx, accounts.Identity{Door: accounts.DoorTelegram, User: "4242", Name: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	alice, err := a.accounts.Identify(ctx, accounts.Identity{Door: accounts.DoorSlack, Team: "T1", User: "U1", Name: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	bobs := link(t, a.db, bobID, "bobs")
	alices := link(t, a.db, alice, "alices")
	if err := a.db.GrantAccess(ctx, alices.ID, bobID.ID, alice.ID); err != nil {
		t.Fatal(err)
	}

	chat := telegramtest.Private(bob)
	photo := tg.AddFile("photos/sunset.jpg", append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, bytes.Repeat([]byte{7}, 2048)...))
	for _, msg := range []*models.Message{
		tg.Text(chat, bob, "/post Sunset, in words"),
		tg.Photo(chat, bob, photo, "/post Sunset, in a picture", ""),
	} {
		resp, err := telegramtest.PostWebhook(srv.Client(), srv.URL+"/telegram/webhook", tgSecret, tg.Update(msg))
		if err != nil {
			t.Fatal(err)
		}
		telegramtest.DrainBody(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%q: webhook answered %d", msg.Text+msg.Caption, resp.StatusCode)
		}
		answer, ok := tg.WaitSent(10*time.Second, func(s telegramtest.Sent) bool { return s.ReplyTo == msg.ID })
		if !ok {
			t.Fatalf("no answer to %q; the bot sent %+v", msg.Text+msg.Caption, tg.Sent())
		}
		if !strings.Contains(answer.Text, "Queued") || !strings.Contains(answer.Text, "@bobs") {
			t.Errorf("%q was answered %q, want it queued for @bobs", msg.Text+msg.Caption, answer.Text)
		}
	}
	posts, err := a.db.List(ctx, storage.ListFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 2 {
		t.Fatalf("%d posts queued, want the text and the photo", len(posts))
	}
	for _, p := range posts {
		if p.AccountID != bobs.ID {
			t.Errorf("%q went to account %d, want @bobs (%d), the one bob owns", p.Text, p.AccountID, bobs.ID)
		}
	}
}
