package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/spindle-threads/spindle/ingest"
)

// FieldError is a request the sender must fix: malformed JSON, a field of the wrong type or
// value, or a post Threads would refuse. Field names the JSON field ("media[1].kind"), empty
// when the body as a whole is at fault. The HTTP layer answers it 400 with both parts.
type FieldError struct {
	Field  string
	Reason string
	// TooLarge marks a request over one of Spindle's size limits (a thread of too many
	// parts): it is answered 413, since the same request made smaller would pass.
	TooLarge bool
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Limits of the generic body that are the door's own business; Threads' limits (500 characters,
// 20 carousel items, …) are checked by ingest's preflight behind the Enqueuer.
const (
	maxIdempotencyKey = 255
	maxURL            = 2048
	maxMedia          = 20
)

// Body is the generic JSON body of the inbound webhook contract (design.md).
type Body struct {
	Text           string
	Media          []ingest.Media
	ScheduledAt    time.Time
	ReplyToID      string
	QuoteID        string
	LinkAttachment string
	TopicTag       string
	Thread         bool
	IdempotencyKey string
	CallbackURL    string
	// Shapes are the post shapes, in snake_case on the wire (see parseShapes).
	Shapes ingest.Shapes
}

// bodyFields lists the known fields, in the order error messages name them.
var bodyFields = []string{"text", "media", "scheduled_at", "reply_to_id", "quote_id",
	"link_attachment", "topic_tag", "thread", "idempotency_key", "callback_url",
	"poll", "text_attachment", "spoilers", "spoiler_media", "reply_control", "ghost", "location_id", "gif", "long"}

// ParseBody decodes the generic body.
//
// Unknown fields are rejected, not ignored. Lenient decoding would be friendlier to a CI script
// that sends extra fields, but a misspelt "schedule_at" would then publish at once instead of
// at the time asked for, and a publication cannot be taken back; a 400 naming the field costs
// the sender one edit. JSON null counts as an absent field.
func ParseBody(data []byte) (Body, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return Body{}, bodyJSONError(data, err)
	}
	if raw == nil {
		return Body{}, &FieldError{Reason: "body must be a JSON object, got null"}
	}
	if err := unknownFields(raw); err != nil {
		return Body{}, err
	}
	var b Body
	strs := []struct {
		name string
		dst  *string
	}{
		{"text", &b.Text}, {"reply_to_id", &b.ReplyToID}, {"quote_id", &b.QuoteID},
		{"link_attachment", &b.LinkAttachment}, {"topic_tag", &b.TopicTag},
		{"idempotency_key", &b.IdempotencyKey}, {"callback_url", &b.CallbackURL},
	}
	for _, s := range strs {
		if err := decodeField(raw, s.name, s.dst, "a string"); err != nil {
			return Body{}, err
		}
	}
	if err := decodeField(raw, "thread", &b.Thread, "true or false"); err != nil {
		return Body{}, err
	}
	var when string
	if err := decodeField(raw, "scheduled_at", &when, `an RFC 3339 time string such as "2026-12-01T09:00:00Z"`); err != nil {
		return Body{}, err
	}
	if when != "" {
		t, err := time.Parse(time.RFC3339, when)
		if err != nil {
			return Body{}, fieldErr("scheduled_at", `must be an RFC 3339 time such as "2026-12-01T09:00:00Z"`)
		}
		b.ScheduledAt = t
	}
	media, err := parseMedia(raw["media"])
	if err != nil {
		return Body{}, err
	}
	b.Media = media
	if b.Shapes, err = parseShapes(raw); err != nil {
		return Body{}, err
	}
	return b, b.validate()
}

func (b *Body) validate() error {
	if strings.TrimSpace(b.Text) == "" && len(b.Media) == 0 && len(b.Shapes.Poll) == 0 && b.Shapes.TextAttachment == nil {
		return fieldErr("text", "required: give text, media or both")
	}
	if err := checkURL("link_attachment", b.LinkAttachment); err != nil {
		return err
	}
	if err := checkURL("callback_url", b.CallbackURL); err != nil {
		return err
	}
	if err := CheckIdempotencyKey(b.IdempotencyKey); err != nil {
		return &FieldError{Field: "idempotency_key", Reason: err.Error()}
	}
	return nil
}

// Request fills the post fields of an ingest.Request; the handler adds origin, account and keys.
func (b *Body) Request() ingest.Request {
	r := ingest.Request{
		Text:           b.Text,
		Media:          b.Media,
		ReplyToID:      b.ReplyToID,
		QuoteID:        b.QuoteID,
		LinkAttachment: b.LinkAttachment,
		TopicTag:       b.TopicTag,
		Thread:         b.Thread,
		ScheduledAt:    b.ScheduledAt,
	}
	// ParseBody checked the one thing Apply can refuse (the reply-control word).
	_ = b.Shapes.Apply(&r)
	return r
}

func parseMedia(data json.RawMessage) ([]ingest.Media, error) {
	if isNull(data) {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, fieldErr("media", `must be an array of {"kind","url","alt_text"} objects`)
	}
	if len(items) > maxMedia {
		return nil, fieldErr("media", "has %d items; Threads takes at most %d", len(items), maxMedia)
	}
	out := make([]ingest.Media, 0, len(items))
	for i, item := range items {
		m, err := parseMediaItem(fmt.Sprintf("media[%d]", i), item)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func parseMediaItem(prefix string, data json.RawMessage) (ingest.Media, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return ingest.Media{}, fieldErr(prefix, `must be an object {"kind","url","alt_text"}`)
	}
	for _, k := range slices.Sorted(maps.Keys(raw)) { // sorted: the same body, the same answer
		if k != "kind" && k != "url" && k != "alt_text" {
			return ingest.Media{}, fieldErr(prefix+"."+k, "unknown field; a media item takes kind, url, alt_text")
		}
	}
	var m ingest.Media
	var kind string
	for _, f := range []struct {
		name string
		dst  *string
	}{{"kind", &kind}, {"url", &m.URL}, {"alt_text", &m.AltText}} {
		if err := decodeField(raw, f.name, f.dst, "a string"); err != nil {
			err.Field = prefix + "." + err.Field
			return ingest.Media{}, err
		}
	}
	switch ingest.MediaKind(kind) {
	case ingest.MediaImage, ingest.MediaVideo:
		m.Kind = ingest.MediaKind(kind)
	default:
		return ingest.Media{}, fieldErr(prefix+".kind", `must be "image" or "video"`)
	}
	if m.URL == "" {
		return ingest.Media{}, fieldErr(prefix+".url", "required: a public https URL Meta can fetch")
	}
	if err := checkURL(prefix+".url", m.URL); err != nil {
		return ingest.Media{}, err
	}
	return m, nil
}

// decodeField decodes raw[name] into dst when present and not null.
func decodeField[T any](raw map[string]json.RawMessage, name string, dst *T, want string) *FieldError {
	v, ok := raw[name]
	if !ok || isNull(v) {
		return nil
	}
	if err := json.Unmarshal(v, dst); err != nil {
		return fieldErr(name, "must be %s", want)
	}
	return nil
}

// checkURL accepts an absolute http or https URL. Whether its host is private is decided where
// the URL is used (the callback sender, Meta's fetch), since that needs DNS and configuration.
func checkURL(field, s string) *FieldError {
	if s == "" {
		return nil
	}
	if len(s) > maxURL {
		return fieldErr(field, "is longer than %d characters", maxURL)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fieldErr(field, "must be an absolute http or https URL")
	}
	return nil
}

// CheckIdempotencyKey validates a sender's idempotency key: at most 255 bytes of printable
// text. The CLI and REST door can use it too so every door agrees.
func CheckIdempotencyKey(k string) error {
	if len(k) > maxIdempotencyKey {
		return fmt.Errorf("is longer than %d bytes", maxIdempotencyKey)
	}
	for _, r := range k {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("must be printable text without control characters")
		}
	}
	return nil
}

// unknownFields refuses a body with fields the generic body does not take. The first unknown
// field in sorted order is named, so the same body always gets the same answer (Go's map order
// changed it from one delivery to the next), and the answer says what to change: a body with
// several foreign fields is a provider's own payload, which needs a preset or a template.
func unknownFields(raw map[string]json.RawMessage) *FieldError {
	var unknown []string
	for k := range raw {
		if !isBodyField(k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	reason := "unknown field; the generic body takes " + strings.Join(bodyFields, ", ")
	if len(unknown) > 1 {
		reason = fmt.Sprintf("unknown fields %s; the generic body takes %s. If this is a provider's own payload, "+
			"the source needs a mapping: recreate it with --preset (%s) or --template FILE",
			strings.Join(unknown, ", "), strings.Join(bodyFields, ", "), strings.Join(PresetNames(), ", "))
	}
	return fieldErr(unknown[0], "%s", reason)
}

func isBodyField(k string) bool {
	for _, f := range bodyFields {
		if f == k {
			return true
		}
	}
	return false
}

func isNull(v json.RawMessage) bool {
	return len(v) == 0 || bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// bodyJSONError explains why a body did not decode as a JSON object, in the sender's terms.
func bodyJSONError(data []byte, err error) *FieldError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return &FieldError{Reason: "body is empty; send a JSON object"}
	case errors.As(err, &syn):
		return &FieldError{Reason: fmt.Sprintf("body is not valid JSON: %s (at byte %d)",
			strings.TrimPrefix(syn.Error(), "json: "), syn.Offset)}
	case errors.As(err, &typ):
		return &FieldError{Reason: "body must be a JSON object, got a JSON " + typ.Value}
	}
	return &FieldError{Reason: "body is not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
}
