package telegramtest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

func call(t *testing.T, s *Server, method string, form map[string]string) (bool, json.RawMessage) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range form {
		_ = w.WriteField(k, v)
	}
	w.Close()
	resp, err := http.Post(s.URL+"/bot"+s.Token+"/"+method, w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		OK     bool            `json:"ok"`
		Result json.RawMessage `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatal(err)
	}
	return env.OK, env.Result
}

func TestGetUpdatesHonoursOffsetAndBlocks(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	u := User(1, "a")
	ups := s.Push(s.Text(Private(u), u, "/post hi"), s.Text(Private(u), u, "two"))
	ok, res := call(t, s, "getUpdates", map[string]string{"offset": "0", "timeout": "1"})
	var got []models.Update
	if err := json.Unmarshal(res, &got); !ok || err != nil || len(got) != 2 {
		t.Fatalf("getUpdates: %v %s", ok, res)
	}
	if e := got[0].Message.Entities; len(e) != 1 || e[0].Type != models.MessageEntityTypeBotCommand || e[0].Length != 5 {
		t.Fatalf("command entities %+v", e)
	}
	_, res = call(t, s, "getUpdates", map[string]string{"offset": itoa(ups[1].ID), "timeout": "1"})
	if json.Unmarshal(res, &got); len(got) != 1 || got[0].ID != ups[1].ID {
		t.Fatalf("offset not honoured: %s", res)
	}
	// Past the last update: blocks until the timeout, or until an update is queued.
	start := time.Now()
	_, res = call(t, s, "getUpdates", map[string]string{"offset": itoa(ups[1].ID + 1), "timeout": "1"})
	if json.Unmarshal(res, &got); len(got) != 0 || time.Since(start) < 900*time.Millisecond {
		t.Fatalf("empty poll returned %s after %v", res, time.Since(start))
	}
	go func() { time.Sleep(100 * time.Millisecond); s.Push(s.Text(Private(u), u, "three")) }()
	_, res = call(t, s, "getUpdates", map[string]string{"offset": itoa(ups[1].ID + 1), "timeout": "5"})
	if json.Unmarshal(res, &got); len(got) != 1 || got[0].Message.Text != "three" {
		t.Fatalf("poll woken by a new update returned %s", res)
	}
	if s.Confirmed() {
		t.Fatal("the last update counts as confirmed before a poll with a higher offset")
	}
	call(t, s, "getUpdates", map[string]string{"offset": itoa(got[0].ID + 1), "timeout": "0"})
	if !s.Confirmed() {
		t.Fatal("updates not confirmed after a poll past them")
	}
	// Confirmed updates are gone: a poller asking from an older offset gets none of them.
	s.Push(s.Text(Private(u), u, "four"))
	_, res = call(t, s, "getUpdates", map[string]string{"offset": itoa(ups[0].ID), "timeout": "1"})
	if json.Unmarshal(res, &got); len(got) != 1 || got[0].Message.Text != "four" {
		t.Fatalf("a poll from an older offset returned %s; want only the unconfirmed update", res)
	}
}

func TestFilesAndErrors(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	id := s.AddFile("photos/a.jpg", []byte("bytes"))
	ok, res := call(t, s, "getFile", map[string]string{"file_id": id})
	var f models.File
	if json.Unmarshal(res, &f); !ok || f.FilePath != "photos/a.jpg" || f.FileSize != 5 {
		t.Fatalf("getFile %s", res)
	}
	resp, err := http.Get(s.URL + "/file/bot" + s.Token + "/" + f.FilePath)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "bytes" {
		t.Fatalf("download %q", b)
	}
	if ok, _ := call(t, s, "getFile", map[string]string{"file_id": "nope"}); ok {
		t.Fatal("unknown file id accepted")
	}
	if ok, _ := call(t, s, "sendPoll", nil); ok {
		t.Fatal("an unfaked method answered ok")
	}
	s.FailNext("sendMessage", 429)
	if ok, _ := call(t, s, "sendMessage", map[string]string{"chat_id": "1", "text": "x"}); ok {
		t.Fatal("FailNext did not fail")
	}
	if ok, _ := call(t, s, "sendMessage", map[string]string{"chat_id": "1", "text": "x"}); !ok {
		t.Fatal("the failure was not one-shot")
	}
	resp, _ = http.Post(s.URL+"/botWRONG/getMe", "text/plain", nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestSecondPollerEndsTheFirstWith409: as Telegram does, a getUpdates arriving while another
// is in progress ends the earlier one with 409 Conflict.
func TestSecondPollerEndsTheFirstWith409(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	poll := func() (*http.Response, error) {
		return http.PostForm(s.URL+"/bot"+s.Token+"/getUpdates", url.Values{"timeout": {"5"}})
	}
	first := make(chan int, 1)
	go func() {
		resp, err := poll()
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	// Wait until the first poll is in progress (recorded), then start the second.
	if len(s.WaitCalls("getUpdates", 1, 10*time.Second)) == 0 {
		t.Fatal("the first poll never arrived")
	}
	second := make(chan struct{})
	go func() {
		if resp, err := poll(); err == nil {
			resp.Body.Close()
		}
		close(second)
	}()
	if code := <-first; code != http.StatusConflict {
		t.Fatalf("the first poll ended with %d, want 409", code)
	}
	if n := s.Conflicts(); n != 1 {
		t.Fatalf("Conflicts() = %d, want 1", n)
	}
	<-second
}
