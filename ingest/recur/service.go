package recur

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

// Store keeps series and their posts; *storage.DB implements it.
type Store interface {
	CreateSeries(ctx context.Context, ns storage.NewSeries) (storage.Series, error)
	GetSeries(ctx context.Context, id int64) (storage.Series, error)
	ListSeries(ctx context.Context, accountID int64) ([]storage.Series, error)
	DueSeries(ctx context.Context, now time.Time, limit int) ([]storage.Series, error)
	// Clock is the clock the queue judges due times by: the database's on PostgreSQL. A
	// replica reading its own instead, behind the database's, would queue an occurrence
	// whose time the queue already counts as passed, to go out at once.
	Clock(ctx context.Context) (time.Time, error)
	Materialise(ctx context.Context, s storage.Series, at time.Time, np storage.NewPost) (storage.Post, error)
	FinishSeries(ctx context.Context, s storage.Series) error
	SetSeriesState(ctx context.Context, id int64, to storage.SeriesState) (storage.Series, []string, error)
}

// Validator is the ingest preflight; *ingest.Service implements it.
type Validator interface {
	Validate(r ingest.Request) error
}

// Options configure a Service. Store and Validator are required.
type Options struct {
	Store     Store
	Validator Validator
	// Now overrides the clock series are judged by; nil: Store.Clock, the clock the queue
	// goes by. Every replica must read that one (the database's on PostgreSQL): by its own, a
	// replica behind the database would queue an occurrence the queue counts as past.
	Now    func() time.Time
	Logger *slog.Logger // nil: discard
	Wake   func()       // called after an occurrence due now was queued; nil: none
}

// Service creates series and materialises their occurrences.
type Service struct {
	store Store
	check Validator
	now   func(context.Context) (time.Time, error)
	log   *slog.Logger
	wake  func()
}

// NewService returns a Service; it panics without a Store or Validator (a wiring bug).
func NewService(o Options) *Service {
	if o.Store == nil || o.Validator == nil {
		panic("recur: NewService needs a Store and a Validator")
	}
	s := &Service{store: o.Store, check: o.Validator, now: o.Store.Clock, log: o.Logger, wake: o.Wake}
	if o.Now != nil {
		s.now = func(context.Context) (time.Time, error) { return o.Now(), nil }
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// NewSeries is a series as a door asks for it.
type NewSeries struct {
	AccountID int64
	Origin    ingest.Origin
	CreatedBy string
	Rule      Rule
	Zone      *time.Location
	Text      string // one text, or several separated by a line "---" (SplitTexts)
	Thread    bool
}

// MaxTexts bounds how many texts one series rotates through.
const MaxTexts = 50

// Create checks the series (every text as a template and, filled for its first use, through
// the preflight; a first occurrence that exists), stores it and queues its first occurrence.
// Errors a person can fix wrap *ingest.InvalidError.
func (s *Service) Create(ctx context.Context, ns NewSeries) (storage.Series, storage.Post, error) {
	zone := ns.Zone
	if zone == nil {
		zone = time.UTC
	}
	texts := SplitTexts(ns.Text)
	switch {
	case len(texts) == 0:
		return storage.Series{}, storage.Post{}, &ingest.InvalidError{Field: "text", Reason: "a series needs the text to publish after its time"}
	case len(texts) > MaxTexts:
		return storage.Series{}, storage.Post{}, &ingest.InvalidError{Field: "text", Reason: fmt.Sprintf("a series rotates through at most %d texts; this has %d", MaxTexts, len(texts))}
	}
	now, err := s.now(ctx)
	if err != nil {
		return storage.Series{}, storage.Post{}, fmt.Errorf("recur: nothing was stored: %w", err)
	}
	start := DateOf(now, zone)
	first, ok := ns.Rule.Next(now, zone, start)
	if !ok {
		return storage.Series{}, storage.Post{}, &ingest.InvalidError{Field: "until", Reason: "the series would never post: its end date comes before its first occurrence"}
	}
	var errs []error
	at := first
	for i, text := range texts {
		if err := CheckText(text); err != nil {
			errs = append(errs, &ingest.InvalidError{Field: "text", Reason: textLabel(i, len(texts)) + err.Error()})
			continue
		}
		body, err := Render(text, FieldsAt(at, zone, i+1))
		if err == nil {
			err = s.check.Validate(ingest.Request{Origin: ns.Origin, AccountID: ns.AccountID, Text: body, Thread: ns.Thread})
		}
		for _, inv := range ingest.Problems(err) {
			errs = append(errs, &ingest.InvalidError{Field: inv.Field, Reason: textLabel(i, len(texts)) + inv.Reason, Limit: inv.Limit})
		}
		if err != nil && len(ingest.Problems(err)) == 0 {
			errs = append(errs, &ingest.InvalidError{Field: "text", Reason: textLabel(i, len(texts)) + err.Error()})
		}
		if next, ok := ns.Rule.Next(at, zone, start); ok {
			at = next
		}
	}
	if err := errors.Join(errs...); err != nil {
		return storage.Series{}, storage.Post{}, err
	}
	sr, err := s.store.CreateSeries(ctx, storage.NewSeries{AccountID: ns.AccountID, Door: string(ns.Origin.Door),
		OriginRef: ns.Origin.Ref, CreatedBy: ns.CreatedBy, Rule: ns.Rule.String(), Zone: zone.String(),
		StartDate: start.Format("2006-01-02"), Texts: texts, Thread: ns.Thread})
	if err != nil {
		return storage.Series{}, storage.Post{}, fmt.Errorf("recur: nothing was stored: %w", err)
	}
	p, err := s.advance(ctx, sr)
	if err != nil {
		return sr, storage.Post{}, fmt.Errorf("recur: series %s stored, its first post not yet (it will be, within a minute): %w", sr.Ref(), err)
	}
	s.log.InfoContext(ctx, "series created", slog.String("series_id", sr.Ref()), slog.Int64("account_id", sr.AccountID),
		slog.String("door", sr.Door), slog.String("rule", sr.Rule), slog.String("post_id", p.ID))
	return sr, p, nil
}

func textLabel(i, n int) string {
	if n == 1 {
		return ""
	}
	return fmt.Sprintf("text %d: ", i+1)
}

// dueBatch bounds one round of RunOnce.
const dueBatch = 200

// RunOnce materialises the next occurrence of every active series whose pending one fell due,
// and finishes series that have no more. It is safe to run in several processes at once:
// Store.Materialise decides which one writes. It returns how many posts it queued.
func (s *Service) RunOnce(ctx context.Context) (int, error) {
	now, err := s.now(ctx)
	if err != nil {
		return 0, fmt.Errorf("recur: %w", err)
	}
	due, err := s.store.DueSeries(ctx, now, dueBatch)
	if err != nil {
		return 0, fmt.Errorf("recur: %w", err)
	}
	n := 0
	for _, sr := range due {
		p, err := s.advance(ctx, sr)
		switch {
		case errors.Is(err, storage.ErrSeriesMoved):
		case err != nil:
			s.log.ErrorContext(ctx, "series occurrence not queued", slog.String("series_id", sr.Ref()),
				slog.Int64("account_id", sr.AccountID), slog.Any("error", err))
		case p.ID != "":
			n++
		}
	}
	return n, nil
}

// advance queues the occurrence that follows sr's latest (or now, whichever is later: missed
// occurrences are skipped, never posted in a burst), or finishes sr if there is none.
func (s *Service) advance(ctx context.Context, sr storage.Series) (storage.Post, error) {
	rule, rest, err := Parse(sr.Rule)
	if err != nil || rest != "" {
		return storage.Post{}, fmt.Errorf("stored rule %q: %w", sr.Rule, err)
	}
	zone, err := time.LoadLocation(sr.Zone)
	if err != nil {
		return storage.Post{}, err
	}
	start, err := ParseDate(sr.StartDate)
	if err != nil {
		return storage.Post{}, err
	}
	now, err := s.now(ctx)
	if err != nil {
		return storage.Post{}, err
	}
	after := now
	if sr.LastAt.After(now) {
		after = sr.LastAt
	}
	at, ok := rule.Next(after, zone, start)
	if !ok || (rule.Times > 0 && sr.Made >= rule.Times) {
		return storage.Post{}, s.store.FinishSeries(ctx, sr)
	}
	if len(sr.Texts) == 0 {
		return storage.Post{}, fmt.Errorf("series %s has no text", sr.Ref())
	}
	text, err := Render(sr.Texts[sr.Made%len(sr.Texts)], FieldsAt(at, zone, sr.Made+1))
	if err != nil {
		return storage.Post{}, err
	}
	p, err := s.store.Materialise(ctx, sr, at, storage.NewPost{Text: text, RequestID: ingest.NewRequestID()})
	if err != nil {
		return storage.Post{}, err
	}
	s.log.InfoContext(ctx, "series occurrence queued", slog.String("series_id", sr.Ref()), slog.String("post_id", p.ID),
		slog.Int64("account_id", sr.AccountID), slog.Time("scheduled_at", at))
	if s.wake != nil {
		if now, err := s.now(ctx); err != nil || !at.After(now) {
			s.wake() // due now, or maybe: a wake too many only makes the publisher look
		}
	}
	return p, nil
}

// Series reads one series.
func (s *Service) Series(ctx context.Context, id int64) (storage.Series, error) {
	return s.store.GetSeries(ctx, id)
}

// List returns an account's active and paused series.
func (s *Service) List(ctx context.Context, accountID int64) ([]storage.Series, error) {
	return s.store.ListSeries(ctx, accountID)
}

// SetState pauses, resumes or cancels a series (see storage.DB.SetSeriesState); a resumed one
// gets its next occurrence queued at once.
func (s *Service) SetState(ctx context.Context, id int64, to storage.SeriesState) (storage.Series, []string, error) {
	sr, cancelled, err := s.store.SetSeriesState(ctx, id, to)
	if err != nil {
		return sr, cancelled, err
	}
	if to != storage.SeriesActive {
		return sr, cancelled, nil
	}
	now, err := s.now(ctx)
	if err != nil { // resumed all the same: the materialiser queues the next occurrence
		s.log.WarnContext(ctx, "resumed series: next occurrence not queued yet", slog.String("series_id", sr.Ref()), slog.Any("error", err))
		return sr, cancelled, nil
	}
	if !sr.LastAt.After(now) {
		if _, err := s.advance(ctx, sr); err != nil && !errors.Is(err, storage.ErrSeriesMoved) {
			s.log.WarnContext(ctx, "resumed series: next occurrence not queued yet", slog.String("series_id", sr.Ref()), slog.Any("error", err))
		}
		if again, err := s.store.GetSeries(ctx, id); err == nil {
			sr = again
		}
	}
	return sr, cancelled, nil
}
