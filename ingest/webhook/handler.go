package webhook

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/ingest/netguard"
)

// MaxBody is the largest generic body the handler reads. A post is at most 500 characters plus
// a few URLs, so a sender's own body never needs more.
const MaxBody = 1 << 20

// MaxProviderBody is the largest provider payload the handler reads: GitHub caps its deliveries
// at 25 MB, and a push of many commits or a release with a long body passes 1 MiB. It applies
// only to github and gitlab sources and only to deliveries that carry the provider's event
// header; a 413 for a real GitHub event would be a post lost for good (GitHub does not retry).
const MaxProviderBody = 25 << 20

// DefaultLargeBodies is how many bodies over MaxBody are read at once. The 25 MB allowance is
// read before the signature can be checked, so anyone who knows a source's name could make
// Spindle hold 25 MB per request; past this many, further large deliveries wait their turn
// (GitHub waits 10 s for an answer), which bounds that memory to about 100 MB.
const DefaultLargeBodies = 4

// maxCachedTemplates bounds the compiled-template cache; past it the cache starts over.
const maxCachedTemplates = 1024

// Options configures a Handler. Sources and Enqueuer are required; the rest have defaults.
type Options struct {
	Sources  Sources
	Enqueuer Enqueuer
	// StatusURL builds the status_url of an answer from a post id; nil leaves it out.
	StatusURL func(postID string) string
	// SourceName extracts the source name from the request. Default: r.PathValue("source")
	// (net/http patterns); with gorilla/mux pass func(r) string { return mux.Vars(r)["source"] }.
	SourceName func(r *http.Request) string
	// AllowPrivateCallbacks accepts callback_url hosts that are loopback or private IP
	// literals or "localhost" (SPINDLE_ALLOW_PRIVATE_URLS). Names that resolve to private
	// addresses are caught later, when CallbackSender dials.
	AllowPrivateCallbacks bool
	// Deliveries, when set, is told the outcome of every delivery to a known, enabled source
	// (accepted or refused), for the status page. It must not block.
	Deliveries DeliveryRecorder
	// LargeBodies is how many bodies over MaxBody are read at once (default DefaultLargeBodies).
	LargeBodies int
	Logger      *slog.Logger     // default: discard
	Now         func() time.Time // default: time.Now
}

// Handler serves POST /hooks/{source}.
type Handler struct {
	sources    Sources
	enq        Enqueuer
	statusURL  func(string) string
	sourceName func(*http.Request) string
	log        *slog.Logger
	now        func() time.Time
	presets    map[string]*Preset
	guard      *netguard.Guard // refuses obviously internal callback URLs at once
	record     DeliveryRecorder
	large      chan struct{} // a slot per large body being read and handled

	mu        sync.RWMutex
	templates map[string]*Template // compiled source templates by their text
}

// NewHandler builds the handler. A nil Sources or Enqueuer is a programming error and panics.
func NewHandler(o Options) *Handler {
	if o.Sources == nil || o.Enqueuer == nil {
		panic("webhook: NewHandler needs Sources and Enqueuer")
	}
	h := &Handler{
		sources: o.Sources, enq: o.Enqueuer, statusURL: o.StatusURL, sourceName: o.SourceName,
		log: o.Logger, now: o.Now, presets: compilePresets(), templates: make(map[string]*Template),
		guard: netguard.New(netguard.Options{AllowPrivate: o.AllowPrivateCallbacks}), record: o.Deliveries,
		large: make(chan struct{}, cmp.Or(max(o.LargeBodies, 0), DefaultLargeBodies)),
	}
	if h.sourceName == nil {
		h.sourceName = func(r *http.Request) string { return r.PathValue("source") }
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	return h
}

// ServeHTTP answers one delivery. The order of the checks is the contract: size (413), content
// type (415), source (404), signature (401), body or template (400), preflight (400), and only
// then the durable enqueue and 202. Every rejection returns before Enqueue, so it changes nothing.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	res, err := h.serve(r.Context(), w, r)
	if err != nil {
		p := h.writeError(w, r, err)
		if h.record != nil && res.source != "" {
			h.record.Record(Delivery{Source: res.source, At: h.now(), Status: p.Status, Error: p.Message})
		}
		return
	}
	h.log.DebugContext(r.Context(), "webhook answered", slog.String("source", res.source),
		slog.String("delivery_id", res.delivery), slog.Int("status", res.status))
	writeJSON(w, res.status, res.body)
	if h.record != nil {
		h.record.Record(Delivery{Source: res.source, At: h.now(), Status: res.status})
	}
}

type response struct {
	status           int
	body             map[string]string
	source, delivery string
}

func (h *Handler) serve(ctx context.Context, w http.ResponseWriter, r *http.Request) (response, error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return response{}, errMethod
	}
	if r.ContentLength > MaxProviderBody {
		return response{}, &http.MaxBytesError{Limit: MaxProviderBody}
	}
	// The source is looked up before the body is read, since its scheme decides the size cap;
	// a lookup failure is still answered after the size and content type checks, in the
	// documented order, and those refusals are recorded against a known source.
	name := h.sourceName(r)
	src, srcErr := h.sources.Source(ctx, name)
	if srcErr == nil && !src.Enabled {
		srcErr = ErrSourceNotFound
	}
	var res response
	if srcErr == nil {
		res.source = src.Name
	}
	limit := bodyCap(src, r.Header)
	if limit > MaxBody && (r.ContentLength > MaxBody || r.ContentLength < 0) {
		select {
		case h.large <- struct{}{}:
			defer func() { <-h.large }()
		case <-ctx.Done():
			return res, fmt.Errorf("webhook: waiting to read a large body: %w", ctx.Err())
		}
	}
	body, err := readBody(w, r, limit)
	if err != nil {
		return res, err
	}
	form := isGitHubForm(src, srcErr, r.Header)
	if !form {
		if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
			return res, err
		}
	}
	if srcErr != nil {
		return response{}, sourceError(name, srcErr)
	}
	ver, err := Verify(src.Scheme, src.Secrets, r.Header, body, h.now())
	if err != nil {
		return res, err
	}
	if form {
		// Signed over the form as sent; from here on the JSON inside is the delivery.
		if body, err = formPayload(body); err != nil {
			return res, err
		}
	}
	res.delivery = ver.DeliveryID
	req, dec, err := h.build(ctx, src, r.Header, body, ver)
	if err != nil {
		return res, err
	}
	switch dec.Action {
	case ActionPong:
		res.status, res.body = http.StatusOK, map[string]string{"status": "pong", "message": pongMessage(src)}
		return res, nil
	case ActionIgnore:
		res.status, res.body = http.StatusAccepted, map[string]string{"status": "ignored", "reason": dec.Reason}
		return res, nil
	}
	acc, err := h.enq.Enqueue(ctx, req)
	if err != nil {
		return res, fmt.Errorf("webhook: enqueue for source %s: %w", src.Name, err)
	}
	if acc.Existed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	res.status = http.StatusAccepted
	res.body = map[string]string{"id": acc.ID, "status": cmp.Or(acc.Status, "queued")}
	if h.statusURL != nil {
		res.body["status_url"] = h.statusURL(acc.ID)
	}
	return res, nil
}

// bodyCap is the size cap of a delivery to src: MaxProviderBody for a GitHub or GitLab event
// sent to a source of that scheme, MaxBody for everything else (generic bodies, unknown
// sources, Standard Webhooks).
func bodyCap(src Source, hdr http.Header) int64 {
	switch {
	case src.Scheme == SchemeGitHub && hdr.Get(headerGitHubEvent) != "",
		src.Scheme == SchemeGitLab && hdr.Get(headerGitLabEvent) != "":
		return MaxProviderBody
	}
	return MaxBody
}

// readBody reads the raw body once, under limit. The signature is computed over exactly these
// bytes; nothing is decoded before it has been verified.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	var (
		buf []byte
		err error
	)
	if r.ContentLength >= 0 {
		// The length is known: one exact allocation instead of ReadAll's doublings.
		buf = make([]byte, r.ContentLength)
		_, err = io.ReadFull(body, buf)
	} else {
		buf, err = io.ReadAll(body)
	}
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, err
		}
		return nil, &FieldError{Reason: "could not read the request body: " + err.Error()}
	}
	return buf, nil
}

// isGitHubForm reports a GitHub event sent with GitHub's default content type,
// application/x-www-form-urlencoded (the JSON in a "payload" field). A new user who keeps the
// default used to have the very first ping refused 415; GitHub signs the form body as sent,
// so it is verified as it is and only then unwrapped.
func isGitHubForm(src Source, srcErr error, hdr http.Header) bool {
	if srcErr != nil || src.Scheme != SchemeGitHub || hdr.Get(headerGitHubEvent) == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(hdr.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// formPayload returns the JSON of a GitHub form delivery; a form without it is refused as a
// wrong content type, which is what the sender has to change.
func formPayload(body []byte) ([]byte, error) {
	v, err := url.ParseQuery(string(body))
	if err != nil || v.Get("payload") == "" {
		return nil, errContentType
	}
	return []byte(v.Get("payload")), nil
}

func checkContentType(ct string) error {
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return nil
	}
	return errContentType
}

func writeJSON(w http.ResponseWriter, status int, v any) { httperr.WriteJSON(w, status, v) }
