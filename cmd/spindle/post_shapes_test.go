package main

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/storage"
)

// TestPostShapeFlags: spindle post takes --poll, --replies, --ghost, --topic, --location,
// --spoiler-media and --long, and ||spoiler|| markup; Meta's rules refuse with exit 1 (a bad word: 2), storing
// nothing; without --long or --thread the account's long-text choice decides.
func TestPostShapeFlags(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	env := map[string]string{"SPINDLE_DATA_DIR": dir}
	if code, _, errOut := spindle(t, env, "migrate"); code != 0 {
		t.Fatal(errOut)
	}
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.SaveAccount(ctx, storage.Account{ThreadsUserID: "1", Username: "alice", TokenSealed: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	long := strings.Repeat("A sentence of a long text. ", 40)
	tests := []struct {
		name    string
		args    []string
		code    int
		errWant string
		check   func(t *testing.T, p storage.Post)
	}{
		{"poll replies ghost topic", []string{"Lunch? ||soup||", "--poll", "Soup | Salad", "--replies", "following", "--ghost", "--topic", "Food", "--location", "42"}, 0, "",
			func(t *testing.T, p storage.Post) {
				want := storage.Shape{Poll: []string{"Soup", "Salad"}, ReplyControl: "accounts_you_follow", Ghost: true, LocationID: "42",
					Spoilers: []storage.Spoiler{{Offset: 7, Length: 4}}}
				if !reflect.DeepEqual(p.Shape, want) || p.TopicTag != "Food" || p.Text != "Lunch? soup" {
					t.Errorf("stored %q %+v topic %q", p.Text, p.Shape, p.TopicTag)
				}
			}},
		{"long", []string{long, "--long"}, 0, "", func(t *testing.T, p storage.Post) {
			if p.Shape.TextAttachment == nil || p.Thread {
				t.Errorf("stored %+v", p.Shape)
			}
		}},
		{"poll of five", []string{"Q", "--poll", "a|b|c|d|e"}, 1, "2 to 4 options", nil},
		{"bad replies", []string{"Q", "--replies", "friends"}, 2, "everyone|following", nil},
		{"long without a choice", []string{long}, 1, "500", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"post", "--account", "alice", "--json"}, tc.args...)
			code, out, errOut := spindle(t, env, args...)
			if code != tc.code || !strings.Contains(errOut, tc.errWant) {
				t.Fatalf("exit %d %q %q, want %d with %q", code, out, errOut, tc.code, tc.errWant)
			}
			if tc.check == nil {
				return
			}
			var res struct{ ID string }
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatal(err)
			}
			db, err := storage.Open(dir, storage.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			p, err := db.Get(ctx, res.ID)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, p)
		})
	}
	// The account's choice: attach, and the same long text goes out as one post.
	db, err = storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetAccountLongText(ctx, a.ID, storage.LongTextAttach); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if code, out, errOut := spindle(t, env, "post", long+" again", "--account", "alice"); code != 0 {
		t.Fatalf("with the account's choice: exit %d %s %s", code, out, errOut)
	}
}
