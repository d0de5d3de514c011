package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
)

// TestReplicasServeMediaAnotherReceived: two `spindle serve` replicas on one PostgreSQL.
// Replica A leads and so polls Telegram; a photo sent with "/post" is downloaded by A, whose
// public URL is replica B's address (as a load balancer may route Meta's fetch anywhere).
// Meta's simulator fetches the media from B, which never saw the message, and publishes the
// post. Neither replica keeps a media file in its data dir: the bytes are in the database.
func TestReplicasServeMediaAnotherReceived(t *testing.T) {
	// Parallel: most of its time is the publisher's wait before an image's first status check
	// (30 s), which other tests may use.
	t.Parallel()
	r, ok := newTelegramReplicas(t)
	if !ok {
		return
	}
	ctx := context.Background()
	sim, tg, db := r.sim, r.tg, r.db

	// The operator's part: bob's account linked from Telegram (as the OAuth flow would leave
	// it), so bob's media posts go to it.
	bob := telegramtest.User(4343, "bob_media")
	linkFromTelegram(t, db, r.keys, sim, bob, "replica_media")

	addrA, addrB := freeAddr(t), freeAddr(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	shared := r.shared
	a := startDaemon(t, r.bin, daemonEnv(t, addrA, sim, append(shared, "SPINDLE_DATA_DIR="+dirA, "SPINDLE_PUBLIC_URL=http://"+addrB)...))
	eventually(t, 30*time.Second, "replica A leading", func() bool { return strings.Contains(a.logs(), "this replica is now the leader") })
	b := startDaemon(t, r.bin, daemonEnv(t, addrB, sim, append(shared, "SPINDLE_DATA_DIR="+dirB)...))
	explain := func() { t.Logf("replica A log:\n%s\nreplica B log:\n%s", a.logs(), b.logs()) }

	photo := append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00}, bytes.Repeat([]byte{0x5a, 0x00}, 8192)...)
	photo = append(photo, 0xFF, 0xD9)
	text := "A photo received by one replica, served by another"
	tg.Push(tg.Photo(telegramtest.Private(bob), bob, tg.AddFile("photos/replica.jpg", photo), "/post "+text, ""))
	eventually(t, 60*time.Second, "the photo post published", func() bool { return ledgerCount(sim, text) == 1 }, explain)
	p, _ := ledgerPost(sim, text)
	if p.MediaType != "IMAGE" || len(p.Media) != 1 || !strings.HasPrefix(p.Media[0].URL, "http://"+addrB+"/media/") {
		explain()
		t.Fatalf("published %+v, want one IMAGE hosted under replica B's address", p)
	}
	var fetched bool
	for _, f := range sim.Fetched() {
		fetched = fetched || (f.URL == p.Media[0].URL && f.StatusCode == http.StatusOK && f.ContentType == "image/jpeg")
	}
	if !fetched {
		explain()
		t.Fatalf("Meta's fetches %+v: none of %s answered 200 image/jpeg", sim.Fetched(), p.Media[0].URL)
	}
	// The bytes B served are the photo, and A serves the same URL path alike.
	id := p.Media[0].URL[strings.LastIndex(p.Media[0].URL, "/")+1:]
	for _, addr := range []string{addrB, addrA} {
		resp, err := http.Get("http://" + addr + "/media/" + id)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// Released by the result an hour on, so still served now.
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, photo) || resp.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("GET /media/%s on %s: %d %q, %d bytes; want the photo", id, addr, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
	}
	for _, dir := range []string{dirA, dirB} {
		entries, _ := os.ReadDir(filepath.Join(dir, "media"))
		if len(entries) != 0 {
			t.Fatalf("%s/media holds %d files; on PostgreSQL hosted media lives in the database", dir, len(entries))
		}
	}
	if blob, err := db.MediaBlob(ctx, id); err != nil || !bytes.Equal(blob.Data, photo) {
		t.Fatalf("the database's copy of %s: %v", id, err)
	}
}
