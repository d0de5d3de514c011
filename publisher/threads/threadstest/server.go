package threadstest

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configures a Server. The zero value is a working simulator with
// Meta's documented limits and no faults.
type Options struct {
	// AppID and AppSecret are the Threads app's credentials that the OAuth
	// endpoints check. Defaults: "sandbox-app" and "sandbox-secret".
	AppID, AppSecret string
	// Clock drives every duration rule. Nil means real time.
	Clock Clock
	// Seed makes IDs, fault rates and trace ids reproducible. Zero means 1.
	Seed uint64
	// RedirectURIs are the app's valid OAuth redirect URIs, matched exactly
	// as Meta does. Empty accepts any absolute http(s) URI.
	RedirectURIs []string

	// ProcessingDelays is how long a container stays IN_PROGRESS after
	// creation, per media type. Zero values mean ready at once.
	ProcessingDelays Delays
	// PublishNotReadyWindow is how long after a container reports FINISHED
	// threads_publish still answers 400/24/4279009 "Media Not Found", as
	// observed in production (median ~7 s after creation). Zero disables it.
	PublishNotReadyWindow time.Duration
	// ContainerError, when set, is asked for every new container whether it
	// should end in status ERROR, and with which error_message (one of
	// FAILED_DOWNLOADING_VIDEO, FAILED_PROCESSING_VIDEO, UNKNOWN, ...).
	// Returning "" lets the container finish.
	ContainerError func(userID string, p Post) string

	// Quotas are the per-user moving 24-hour limits. Zero fields mean
	// Meta's: 250 posts, 1,000 replies, 100 deletes.
	Quotas Quotas
	// QuotaError is the answer when a publish or delete would exceed a
	// quota. Meta's body is unconfirmed; nil means HTTP 400, code 4
	// "Application request limit reached", is_transient true.
	QuotaError *GraphError
	// RepliesCountAsPosts makes a published reply count against the post
	// quota as well as the reply quota (unconfirmed either way).
	RepliesCountAsPosts bool
	// DoublePublishError is the answer to publishing a container that is
	// already PUBLISHED (unconfirmed). Nil means 400, code 100 THApiException.
	DoublePublishError *GraphError
	// RefreshTooYoungError is the answer to refreshing a long-lived token
	// younger than 24 hours (unconfirmed). Nil means a Graph 190 error.
	RefreshTooYoungError *GraphError
	// AuthErrorStatus is the HTTP status of code-190 answers; zero means 400.
	AuthErrorStatus int
	// UserIDAsString makes the code exchange answer "user_id" as a JSON
	// string, the shape Meta's Postman collection shows, instead of the
	// documented JSON number.
	UserIDAsString bool

	// HTTPClient fetches image_url and video_url. Nil means a client with
	// FetchTimeout that does not follow redirects unless FollowMediaRedirects.
	HTTPClient *http.Client
	// FetchTimeout bounds one media fetch; zero means 10 s.
	FetchTimeout time.Duration
	// FollowMediaRedirects lets the media fetcher follow HTTP redirects.
	// Whether Meta does is unconfirmed, so by default a redirect is a fetch
	// failure: Spindle should hand Meta final URLs.
	FollowMediaRedirects bool
	// MaxImageBytes and MaxVideoBytes cap media sizes; zero means Meta's
	// 8 MB and 1 GB.
	MaxImageBytes, MaxVideoBytes int64
}

// Delays holds a duration per container media type.
type Delays struct {
	Text, Image, Video, Carousel time.Duration
}

// Quotas holds the per-user limits over a moving 24-hour window.
type Quotas struct {
	Posts, Replies, Deletes int
}

// Server is an in-process Threads Graph API. Use NewServer for one listening
// on loopback, or NewUnstartedServer to mount it as an http.Handler.
type Server struct {
	// URL is the base URL, http://127.0.0.1:port, once started. Point the
	// client's THREADS_API_URL at it and THREADS_AUTH_URL at
	// URL+"/oauth/authorize".
	URL string

	opts  Options
	clock Clock
	zone  *time.Location
	fetch *http.Client

	ln      net.Listener
	httpSrv *http.Server

	rngMu sync.Mutex
	rng   *rand.Rand

	late sync.WaitGroup // calls FaultLateProcess holds back

	mu           sync.Mutex
	nextID       uint64
	nextUserID   uint64
	users        map[string]*User
	userOrder    []string
	tokens       map[string]*token
	codes        map[string]*authCode
	consentUser  string
	denyConsent  bool
	containers   map[string]*container
	media        map[string]*media
	posts        []*media // top-level posts and replies, in publish order
	ledger       []Published
	usage        map[string]map[QuotaKind][]time.Time
	fetched      []Fetch
	faults       map[Endpoint][]*faultState
	calls        map[Endpoint]int
	delays       Delays
	window       time.Duration
	contErr      func(userID string, p Post) string
	lastSpan     map[string]span // user id → the latest published container; see recordSpan
	overlaps     []Overlap
	refused      map[string]int // user id → publishes refused for quota
	active       map[string]int // user id → publishing calls being answered; see enterCall
	callOverlaps []CallOverlap
}

// NewServer starts a simulator listening on 127.0.0.1 on a free port. Call
// Close when done (t.Cleanup(s.Close)).
func NewServer(opts Options) *Server {
	s := NewUnstartedServer(opts)
	s.Start()
	return s
}

// NewUnstartedServer returns a simulator that is not listening: mount it
// (it is an http.Handler) or call Start. Spindle's --sandbox mode mounts it
// under a path prefix with http.StripPrefix.
func NewUnstartedServer(opts Options) *Server {
	if opts.AppID == "" {
		opts.AppID = "sandbox-app"
	}
	if opts.AppSecret == "" {
		opts.AppSecret = "sandbox-secret"
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.AuthErrorStatus == 0 {
		opts.AuthErrorStatus = http.StatusBadRequest
	}
	if opts.Quotas.Posts == 0 {
		opts.Quotas.Posts = 250
	}
	if opts.Quotas.Replies == 0 {
		opts.Quotas.Replies = 1000
	}
	if opts.Quotas.Deletes == 0 {
		opts.Quotas.Deletes = 100
	}
	if opts.FetchTimeout == 0 {
		opts.FetchTimeout = 10 * time.Second
	}
	if opts.MaxImageBytes == 0 {
		opts.MaxImageBytes = 8 << 20
	}
	if opts.MaxVideoBytes == 0 {
		opts.MaxVideoBytes = 1 << 30
	}
	s := &Server{
		opts:       opts,
		clock:      opts.Clock,
		zone:       pacificTime(),
		rng:        rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x5bd1e995)),
		users:      make(map[string]*User),
		tokens:     make(map[string]*token),
		codes:      make(map[string]*authCode),
		containers: make(map[string]*container),
		media:      make(map[string]*media),
		usage:      make(map[string]map[QuotaKind][]time.Time),
		faults:     make(map[Endpoint][]*faultState),
		calls:      make(map[Endpoint]int),
		delays:     opts.ProcessingDelays,
		window:     opts.PublishNotReadyWindow,
		contErr:    opts.ContainerError,
		lastSpan:   make(map[string]span),
		refused:    make(map[string]int),
		active:     make(map[string]int),
	}
	if s.clock == nil {
		s.clock = realClock{}
	}
	s.nextUserID = 17841400000000000 + s.rng.Uint64N(5_000_000_000)
	s.nextID = 18000000000000000 + s.rng.Uint64N(90_000_000_000_000)
	s.fetch = opts.HTTPClient
	if s.fetch == nil {
		s.fetch = &http.Client{Timeout: opts.FetchTimeout}
		if !opts.FollowMediaRedirects {
			s.fetch.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		}
	}
	return s
}

// pacificTime is the zone Meta writes expiry times in ("... PST").
func pacificTime() *time.Location {
	if loc, err := time.LoadLocation("America/Los_Angeles"); err == nil {
		return loc
	}
	return time.FixedZone("PST", -8*3600)
}

// Start listens on 127.0.0.1 on a free port and serves in the background.
// It panics if it cannot listen, as httptest does.
func (s *Server) Start() {
	if s.ln != nil {
		panic("threadstest: Server already started")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("threadstest: listen on loopback: " + err.Error())
	}
	s.ln = ln
	s.URL = "http://" + ln.Addr().String()
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic("threadstest: serve: " + err.Error())
		}
	}()
}

// Close stops a started server and closes its connections. It is a no-op
// on an unstarted one.
func (s *Server) Close() {
	if s.httpSrv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.httpSrv.Shutdown(ctx); err != nil {
		_ = s.httpSrv.Close()
	}
}

// Handler returns the simulator as an http.Handler (the Server itself).
func (s *Server) Handler() http.Handler { return s }

// AppID returns the app id the OAuth endpoints accept.
func (s *Server) AppID() string { return s.opts.AppID }

// AppSecret returns the app secret the OAuth endpoints accept.
func (s *Server) AppSecret() string { return s.opts.AppSecret }

// AuthorizeURL returns the URL of the simulated authorize page, for
// THREADS_AUTH_URL. It is only meaningful once the server is started.
func (s *Server) AuthorizeURL() string { return s.URL + "/oauth/authorize" }

// SetProcessingDelays replaces the per-media-type processing delays for
// containers created from now on.
func (s *Server) SetProcessingDelays(d Delays) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delays = d
}

// SetPublishNotReadyWindow replaces Options.PublishNotReadyWindow.
func (s *Server) SetPublishNotReadyWindow(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.window = d
}

// SetContainerError replaces Options.ContainerError for containers created
// from now on.
func (s *Server) SetContainerError(fn func(userID string, p Post) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contErr = fn
}

func (s *Server) now() time.Time { return s.clock.Now() }

// newID returns a fresh 17-digit object id. Callers hold s.mu.
func (s *Server) newID() string {
	s.nextID += 1 + s.randN(97)
	return formatUint(s.nextID)
}

func (s *Server) randN(n uint64) uint64 {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	return s.rng.Uint64N(n)
}

func (s *Server) randFloat() float64 {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	return s.rng.Float64()
}

const traceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func (s *Server) traceID() string {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	var b strings.Builder
	b.WriteByte('A')
	for range 22 {
		b.WriteByte(traceAlphabet[s.rng.IntN(len(traceAlphabet))])
	}
	return b.String()
}
