package webhook

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/publisher/threads"
)

// TestParseBodyShapes: the webhook body takes the REST API's shape fields in snake_case, and
// refuses a wrong type with the field named.
func TestParseBodyShapes(t *testing.T) {
	b, err := ParseBody([]byte(`{"text":"Vote: ||secret||","poll":["Yes","No"],"reply_control":"mentioned",
		"ghost":true,"topic_tag":"News","location_id":"123","long":true,
		"spoilers":[{"offset":0,"length":4}]}`))
	if err != nil {
		t.Fatal(err)
	}
	r := b.Request()
	if r.Text != "Vote: secret" || !reflect.DeepEqual(r.Poll, []string{"Yes", "No"}) || r.ReplyControl != threads.ReplyMentionedOnly ||
		!r.Ghost || r.TopicTag != "News" || r.LocationID != "123" || !r.Long ||
		!reflect.DeepEqual(r.Spoilers, []threads.Spoiler{{Offset: 0, Length: 4}, {Offset: 6, Length: 6}}) {
		t.Errorf("request = %+v", r)
	}
	b, err = ParseBody([]byte(`{"text_attachment":{"text":"long","link":"https://blog.example/a"},"gif":{"gif_id":"g","provider":"TENOR"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if r := b.Request(); r.TextAttachment == nil || r.TextAttachment.LinkURL != "https://blog.example/a" || r.GIF == nil || r.GIF.ID != "g" {
		t.Errorf("request = %+v", r)
	}
	if b, err := ParseBody([]byte(`{"spoiler_media":true,"media":[{"kind":"image","url":"https://a.example/1.png"}]}`)); err != nil || !b.Request().SpoilerMedia {
		t.Errorf("spoiler_media: %v", err)
	}
	for _, tc := range []struct{ in, field, says string }{
		{`{"text":"x","poll":"A|B"}`, "poll", "array of 2 to 4 strings"},
		{`{"text":"x","reply_control":"friends"}`, "reply_control", "everyone|following"},
		{`{"text":"x","ghost":"yes"}`, "ghost", "true or false"},
		{`{"text":"x","spoilers":[1]}`, "spoilers", "offset"},
		{`{"text":"x","text_attachment":"long"}`, "text_attachment", "object"},
	} {
		_, err := ParseBody([]byte(tc.in))
		fe, ok := err.(*FieldError)
		if !ok || fe.Field != tc.field || !strings.Contains(fe.Reason, tc.says) {
			t.Errorf("ParseBody(%s) = %v, want field %s saying %q", tc.in, err, tc.field, tc.says)
		}
	}
}
