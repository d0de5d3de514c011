package webhook

import (
	"encoding/json"

	"github.com/spindle-threads/spindle/ingest"
)

// parseShapes reads the post shapes of the generic body: the REST API's fields in snake_case
// (poll, text_attachment {text, link}, spoilers [{offset, length}], spoiler_media,
// reply_control, ghost, location_id, gif {gif_id, provider}, long). topic_tag is read with
// the other strings. Meta's rules are the preflight's; this checks only types.
func parseShapes(raw map[string]json.RawMessage) (ingest.Shapes, error) {
	var s ingest.Shapes
	var ta *struct {
		Text string `json:"text"`
		Link string `json:"link"`
	}
	fields := []struct {
		name, want string
		dst        any
	}{
		{"poll", "an array of 2 to 4 strings", &s.Poll},
		{"text_attachment", `an object {"text", "link"}`, &ta},
		{"spoilers", `an array of {"offset", "length"} objects`, &s.Spoilers},
		{"spoiler_media", "true or false", &s.SpoilerMedia},
		{"reply_control", "a string", &s.ReplyControl},
		{"ghost", "true or false", &s.Ghost},
		{"location_id", "a string", &s.LocationID},
		{"gif", `an object {"gif_id", "provider"}`, &s.GIF},
		{"long", "true or false", &s.Long},
	}
	for _, f := range fields {
		if v, ok := raw[f.name]; ok && !isNull(v) && json.Unmarshal(v, f.dst) != nil {
			return s, fieldErr(f.name, "must be %s", f.want)
		}
	}
	if ta != nil {
		s.TextAttachment = &ingest.AttachmentInput{Text: ta.Text, Link: ta.Link}
	}
	rc, err := ingest.ReplyControl(s.ReplyControl)
	if err != nil {
		return s, fieldErr("reply_control", "must be one of %s", ingest.ReplyWords)
	}
	s.ReplyControl = rc
	return s, nil
}
