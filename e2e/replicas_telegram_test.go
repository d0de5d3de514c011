package e2e

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/storage"
)

// TestReplicasTelegramWebhookBehindALoadBalancer: two `spindle serve` replicas on one
// PostgreSQL in Telegram webhook mode, with Telegram's updates spread over both as a
// round-robin load balancer does. A two-photo album whose items reach different replicas is one
// carousel draft; "Schedule…" pressed through one replica and the time typed through the other
// schedules that draft, rather than making a draft of the time.
func TestReplicasTelegramWebhookBehindALoadBalancer(t *testing.T) {
	t.Parallel()
	r, ok := newTelegramReplicas(t)
	if !ok {
		return
	}
	ctx := context.Background()
	sim, tg, db := r.sim, r.tg, r.db
	const hookSecret = "e2e_hook-secret"
	carol := telegramtest.User(5151, "carol_lb")
	linkFromTelegram(t, db, r.keys, sim, carol, "replica_webhook")

	addrA, addrB := freeAddr(t), freeAddr(t)
	// Behind a load balancer every replica has its address as public URL (here A's), so the
	// media one relays is its own to the other too.
	shared := append(r.shared, "SPINDLE_PUBLIC_URL=http://"+addrA, "TELEGRAM_WEBHOOK_SECRET="+hookSecret)
	a := startDaemon(t, r.bin, daemonEnv(t, addrA, sim, shared...))
	b := startDaemon(t, r.bin, daemonEnv(t, addrB, sim, shared...))
	explain := func() { t.Logf("replica A log:\n%s\nreplica B log:\n%s", a.logs(), b.logs()) }
	if len(tg.WaitCalls("setWebhook", 2, 30*time.Second)) < 2 {
		explain()
		t.Fatal("the replicas did not both start their Telegram doors")
	}
	deliver := func(addr string, v any) {
		t.Helper()
		resp, err := telegramtest.PostWebhook(http.DefaultClient, "http://"+addr+"/telegram/webhook", hookSecret, tg.Update(v))
		if err != nil {
			t.Fatal(err)
		}
		telegramtest.DrainBody(resp.Body)
		if resp.StatusCode != http.StatusOK {
			explain()
			t.Fatalf("webhook on %s answered %d", addr, resp.StatusCode)
		}
	}
	waitSent := func(what string, match func(telegramtest.Sent) bool) telegramtest.Sent {
		t.Helper()
		m, ok := tg.WaitSent(30*time.Second, match)
		if !ok {
			explain()
			t.Fatalf("no message %s; sent: %+v", what, tg.Sent())
		}
		return m
	}

	chat := telegramtest.Private(carol)
	for i, addr := range []string{addrA, addrB} {
		photo := append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00}, bytes.Repeat([]byte{byte(i), 0x5a}, 4096)...)
		photo = append(photo, 0xFF, 0xD9)
		caption := ""
		if i == 0 {
			caption = "Two photos through two replicas"
		}
		deliver(addr, tg.Photo(chat, carol, tg.AddFile("photos/lb.jpg", photo), caption, "e2e-lb-album"))
	}
	pv := waitSent("with the album's preview", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
	if !strings.Contains(pv.Text, "2 photos as one carousel") {
		explain()
		t.Fatalf("preview %q: want one carousel of both photos", pv.Text)
	}
	var schedule string
	for _, bt := range pv.Buttons {
		if bt.Text == "Schedule…" {
			schedule = bt.CallbackData
		}
	}
	deliver(addrA, tg.Press(carol, pv.Message(), schedule))
	tg.WaitCalls("editMessageText", 1, 30*time.Second)
	typed := time.Now()
	deliver(addrB, tg.Text(chat, carol, "in 2h"))
	waitSent("confirming the schedule", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "Scheduled") })
	posts, err := db.List(ctx, storage.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 1 || len(posts[0].Media) != 2 || posts[0].Text != "Two photos through two replicas" ||
		posts[0].ScheduledAt.Before(typed.Add(2*time.Hour-time.Minute)) || posts[0].ScheduledAt.After(typed.Add(2*time.Hour+time.Minute)) {
		explain()
		t.Fatalf("posts %+v: want the album alone, scheduled 2 h on", posts)
	}
}
