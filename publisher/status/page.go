package status

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

//go:embed templates/*.html
var templateFS embed.FS

// quotaGauges are the kinds of use the page shows against the configured limits.
var quotaGauges = []struct {
	Kind  storage.QuotaKind
	Label string
}{
	{storage.QuotaPosts, "posts"},
	{storage.QuotaReplies, "replies"},
	{storage.QuotaDeletes, "deletions"},
}

const (
	window      = 24 * time.Hour
	recentPosts = 30
	chartHours  = 24
)

type pages struct{ page *template.Template }

func (h *Handler) mustPages() *pages {
	funcs := template.FuncMap{"when": h.local}
	return &pages{page: template.Must(template.New("page.html").Funcs(funcs).ParseFS(templateFS, "templates/page.html"))}
}

type gauge struct {
	Label       string
	Used, Limit int
	Percent     int
	NextFree    time.Time // when the oldest use leaves the window; zero when none
}

type bar struct {
	X, Y, H int
	N       int
	Hour    string
}

type accountView struct {
	Account storage.Account
	Gauges  []gauge
	Bars    []bar
	Total   int
	Peak    int // the busiest hour's publishes: the chart's top
}

type pageView struct {
	Flash    string
	CSRF     string
	Now      string
	Refresh  int // seconds between reloads
	Accounts []accountView
	Axis     []tick
	Queue    []storage.PostCount
	Outbox   outboxView
	Doors    []DoorHealth
	Posts    []postView
	Feeds    []storage.Feed
	Sources  []storage.WebhookSource
	// EventsFailing are the event webhook subscriptions whose latest attempt failed or that
	// have deliveries given up; EventsCount counts them all.
	EventsFailing []storage.EventSubscription
	EventsCount   int
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	v, err := h.view(r.Context())
	if err != nil {
		h.opts.Logger.ErrorContext(r.Context(), "status page", "error", err)
		http.Error(w, "The status page could not read the database: "+err.Error()+". Check the server log.", http.StatusInternalServerError)
		return
	}
	v.Flash = flashText(r)
	var buf bytes.Buffer
	if err := h.pages.page.Execute(&buf, v); err != nil {
		h.opts.Logger.ErrorContext(r.Context(), "status page template", "error", err)
		http.Error(w, "The status page failed to render; the server log has the details.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = buf.WriteTo(w)
}

func (h *Handler) view(ctx context.Context) (pageView, error) {
	now := h.opts.Now()
	v := pageView{CSRF: h.csrf, Now: h.local(now), Refresh: int(h.opts.Refresh.Seconds()), Axis: h.axis(now)}
	s := h.opts.Store
	accounts, err := s.Accounts(ctx)
	if err != nil {
		return v, err
	}
	names := make(map[int64]string, len(accounts))
	for _, a := range accounts {
		names[a.ID] = "@" + a.Username
		av := accountView{Account: a}
		for _, q := range quotaGauges {
			n, oldest, err := s.QuotaWindow(ctx, a.ID, q.Kind, now.Add(-window))
			if err != nil {
				return v, err
			}
			limit := h.opts.Limits.Of(q.Kind)
			g := gauge{Label: q.Label, Used: n, Limit: limit, Percent: min(100, n*100/limit)}
			if !oldest.IsZero() {
				g.NextFree = oldest.Add(window)
			}
			av.Gauges = append(av.Gauges, g)
		}
		hours, err := s.QuotaHourly(ctx, a.ID, storage.QuotaPosts, now, chartHours)
		if err != nil {
			return v, err
		}
		replies, err := s.QuotaHourly(ctx, a.ID, storage.QuotaReplies, now, chartHours)
		if err != nil {
			return v, err
		}
		av.Bars, av.Total = bars(hours, replies, now)
		for _, b := range av.Bars {
			av.Peak = max(av.Peak, b.N)
		}
		v.Accounts = append(v.Accounts, av)
	}
	if v.Queue, err = s.PostCounts(ctx); err != nil {
		return v, err
	}
	outbox, err := s.OutboxCounts(ctx)
	if err != nil {
		return v, err
	}
	v.Outbox = outboxSummary(outbox)
	if h.opts.Doors != nil {
		v.Doors = h.opts.Doors(ctx)
	}
	posts, err := s.List(ctx, storage.ListFilter{Limit: recentPosts})
	if err != nil {
		return v, err
	}
	v.Posts = h.postViews(posts, names, now)
	if v.Feeds, err = s.Feeds(ctx, nil); err != nil {
		return v, err
	}
	if v.Sources, err = s.WebhookSources(ctx, 0); err != nil {
		return v, err
	}
	if h.opts.Events != nil {
		subs, err := h.opts.Events(ctx)
		if err != nil {
			return v, err
		}
		v.EventsCount = len(subs)
		for _, sub := range subs {
			if sub.Failed > 0 || (sub.LastState == storage.EventDeliveryPending && sub.LastStatus/100 != 2) {
				// The page shows where, not the receiver's own token a query may carry.
				if u, err := url.Parse(sub.URL); err == nil {
					u.RawQuery, u.Fragment, u.User = "", "", nil
					sub.URL = u.String()
				}
				v.EventsFailing = append(v.EventsFailing, sub)
			}
		}
	}
	return v, nil
}

// bars lays out one SVG bar per hour (posts and replies together), scaled to the busiest hour;
// the chart is 240x40 with 10-unit slots.
func bars(posts, replies []int, now time.Time) ([]bar, int) {
	peak, total := 1, 0
	sums := make([]int, len(posts))
	for i := range posts {
		sums[i] = posts[i] + replies[i]
		peak, total = max(peak, sums[i]), total+sums[i]
	}
	out := make([]bar, len(sums))
	for i, n := range sums {
		hgt := n * 40 / peak
		if n > 0 {
			hgt = max(hgt, 1)
		}
		start := now.Add(time.Duration(i-len(sums)) * time.Hour).UTC()
		out[i] = bar{X: i * 10, Y: 40 - hgt, H: hgt, N: n, Hour: fmt.Sprintf("%s: %d", start.Format("15:04"), n)}
	}
	return out, total
}
