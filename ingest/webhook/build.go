package webhook

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

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
		req      ingest.Request
		dec      = Decision{Action: ActionPost}
		bodyKey  string
		callback string
		err      error
	)
	if src.Preset == "" && src.Template == "" {
		var b *Body
		b, dec, event, err = h.generic(ctx, src, hdr, body, event)
		if err != nil || dec.Action != ActionPost {
			return req, dec, err
		}
		if b != nil {
			req, bodyKey, callback = b.Request(), b.IdempotencyKey, b.CallbackURL
		} else {
			req.Text = dec.text
		}
	} else {
		payload, err := DecodePayload(body)
		if err != nil {
			return req, dec, err
		}
		event = cmp.Or(event, get(payload, "type"), get(payload, "event"))
		events := src.Events
		if src.Preset == "" && providerEvent(src.Scheme, hdr) != "" {
			// The provider's own delivery: a template source takes its release unless it names
			// other events. A sender's own JSON (no provider header) is not filtered by default.
			events = TemplateEvents(src.Scheme, src.Events)
		}
		if len(events) > 0 && !slices.Contains(events, event) {
			return req, ignore("event %q is not one this source takes (it takes %s; change it with --events)",
				event, strings.Join(events, ", ")), nil
		}
		text, d, err := h.render(ctx, src, event, payload, providerEvent(src.Scheme, hdr) != "")
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

// generic handles a delivery to a source without preset and template: the generic body, a
// Standard Webhooks envelope around it, or the provider's own event (provider.go). It returns
// the parsed body, or nil with dec.text set when a provider event was rendered by the scheme's
// default preset.
func (h *Handler) generic(ctx context.Context, src Source, hdr http.Header, body []byte, event string) (*Body, Decision, string, error) {
	takeEvent := func(ev string) bool { return len(src.Events) == 0 || slices.Contains(src.Events, ev) }
	if !takeEvent(event) {
		return nil, ignore("event %q is not one this source takes", event), event, nil
	}
	data := body
	if src.Scheme == SchemeStandard {
		if ev, d, ok := envelope(body); ok {
			if !takeEvent(ev) {
				return nil, ignore("event %q is not one this source takes", ev), ev, nil
			}
			event, data = ev, d
		}
	}
	b, err := ParseBody(data)
	if err == nil {
		if b.CallbackURL != "" {
			if err := h.guard.CheckURL(b.CallbackURL); err != nil {
				return nil, Decision{}, event, &FieldError{Field: "callback_url", Reason: err.Error()}
			}
		}
		return &b, Decision{Action: ActionPost}, event, nil
	}
	if providerEvent(src.Scheme, hdr) == "" {
		return nil, Decision{}, event, err
	}
	payload, perr := DecodePayload(body)
	if perr != nil {
		return nil, Decision{}, event, err
	}
	p, dec := h.providerDefault(src, event, payload)
	if dec.Action != ActionPost {
		return nil, dec, event, nil
	}
	text, err := p.Template.Render(ctx, payload)
	if err != nil {
		return nil, dec, event, eventError(err, event)
	}
	if text == "" {
		return nil, ignore("the %s preset produced no text for this delivery", p.Name), event, nil
	}
	dec.text = text
	return nil, dec, event, nil
}

// render applies the source's preset and template to a foreign payload.
// fromProvider says the delivery carries the provider's event header: only then is a template
// source's release deduplicated by release id (templateDecision).
func (h *Handler) render(ctx context.Context, src Source, event string, payload map[string]any, fromProvider bool) (string, Decision, error) {
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
	} else if fromProvider { // a sender's own JSON: the template alone decides
		if dec = templateDecision(src, event, payload); dec.Action != ActionPost {
			return "", dec, nil
		}
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
		return "", dec, eventError(err, event)
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
