package webhook

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/spindle-threads/spindle/ingest"
)

// build turns a verified delivery into a request, or decides to ignore or pong it.
func (h *Handler) build(ctx context.Context, src Source, hdr http.Header, body []byte, ver Verified) (ingest.Request, Decision, error) {
	event := cmp.Or(hdr.Get(headerGitHubEvent), hdr.Get(headerGitLabEvent))
	if hdr.Get(headerGitHubEvent) == "ping" {
		return ingest.Request{}, Decision{Action: ActionPong}, nil // answered whatever the source takes
	}
	if err := CheckIdempotencyKey(ver.DeliveryID); err != nil {
		return ingest.Request{}, Decision{}, &FieldError{Field: "delivery id header", Reason: err.Error()}
	}
	var (
		req       ingest.Request
		dec       = Decision{Action: ActionPost}
		bodyKey   string
		callback  string
		generic   = src.Preset == "" && src.Template == ""
		takeEvent = func(ev string) bool { return len(src.Events) == 0 || slices.Contains(src.Events, ev) }
	)
	if generic {
		if !takeEvent(event) {
			return req, ignore("event %q is not one this source takes", event), nil
		}
		b, err := ParseBody(body)
		if err != nil {
			return req, dec, err
		}
		if b.CallbackURL != "" {
			if err := h.guard.CheckURL(b.CallbackURL); err != nil {
				return req, dec, &FieldError{Field: "callback_url", Reason: err.Error()}
			}
		}
		req, bodyKey, callback = b.Request(), b.IdempotencyKey, b.CallbackURL
	} else {
		payload, err := DecodePayload(body)
		if err != nil {
			return req, dec, err
		}
		event = cmp.Or(event, get(payload, "type"), get(payload, "event"))
		if !takeEvent(event) {
			return req, ignore("event %q is not one this source takes", event), nil
		}
		text, d, err := h.render(ctx, src, event, payload)
		if err != nil || d.Action != ActionPost {
			return req, d, err
		}
		dec, req.Text = d, text
	}
	ref, _ := json.Marshal(Ref{Source: src.Name, CallbackURL: callback, DeliveryID: ver.DeliveryID, Event: event})
	req.Origin = ingest.Origin{Door: ingest.DoorWebhook, Ref: ref}
	req.AccountID = src.AccountID
	req.IdempotencyKey, req.StrictKey = idempotencyKey(src.Name, bodyKey, dec.Key, ver.DeliveryID)
	req.KeyScope = keyScope(src.Name)
	if !ver.IDSigned && bodyKey == "" && dec.Key == "" {
		// The signature does not cover the delivery id, and nothing in the body names the post:
		// the body itself is what was signed, so it is what is remembered against replay
		// (storage.BodyReplayWindow). A key in the body (or a preset's) already does that job
		// for good, so those deliveries skip the extra row.
		sum := sha256.Sum256(body)
		req.BodyDigest = hex.EncodeToString(sum[:])
	}
	req.RequestID = cmp.Or(ver.DeliveryID, ingest.NewRequestID())
	return req, dec, nil
}

// render applies the source's preset and template to a foreign payload.
func (h *Handler) render(ctx context.Context, src Source, event string, payload map[string]any) (string, Decision, error) {
	dec := Decision{Action: ActionPost}
	var tmpl *Template
	if src.Preset != "" {
		p, ok := h.presets[src.Preset]
		if !ok {
			return "", dec, &configError{source: src.Name, err: CheckPreset(src.Preset)}
		}
		dec = p.Decide(Event{Name: event, Payload: payload, Branch: src.Branch})
		if dec.Action != ActionPost {
			return "", dec, nil
		}
		tmpl = p.Template
	}
	if src.Template != "" {
		t, err := h.template(src.Template)
		if err != nil {
			return "", dec, &configError{source: src.Name, err: err}
		}
		tmpl = t
	}
	text, err := tmpl.Render(ctx, payload)
	if err != nil {
		return "", dec, err
	}
	if text == "" {
		return "", ignore("the source's template produced no text for this delivery"), nil
	}
	return text, dec, nil
}

// template returns the compiled form of a source template, compiling it on first use. Sources
// are read from storage on every delivery; caching by text keeps compilation off the hot path
// and picks up an edited template at once.
func (h *Handler) template(src string) (*Template, error) {
	h.mu.RLock()
	t, ok := h.templates[src]
	h.mu.RUnlock()
	if ok {
		return t, nil
	}
	t, err := CompileTemplate(src)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	if len(h.templates) >= maxCachedTemplates {
		clear(h.templates)
	}
	h.templates[src] = t
	h.mu.Unlock()
	return t, nil
}
