package threadstest

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Endpoint names a simulated API endpoint, for faults and call counts.
type Endpoint string

// The endpoints of the simulator.
const (
	EndpointAuthorize       Endpoint = "authorize"        // GET /oauth/authorize
	EndpointCodeExchange    Endpoint = "code_exchange"    // POST /oauth/access_token
	EndpointExchangeToken   Endpoint = "exchange_token"   // GET /access_token
	EndpointRefreshToken    Endpoint = "refresh_token"    // GET /refresh_access_token
	EndpointProfile         Endpoint = "profile"          // GET /v1.0/me, /v1.0/{user-id}
	EndpointCreateContainer Endpoint = "create_container" // POST /v1.0/{user}/threads
	EndpointContainerStatus Endpoint = "container_status" // GET /v1.0/{container-id}
	EndpointPublish         Endpoint = "publish"          // POST /v1.0/{user}/threads_publish
	EndpointMedia           Endpoint = "media"            // GET /v1.0/{media-id}
	EndpointListThreads     Endpoint = "list_threads"     // GET /v1.0/{user}/threads
	EndpointListReplies     Endpoint = "list_replies"     // GET /v1.0/{user}/replies
	EndpointDelete          Endpoint = "delete"           // DELETE /v1.0/{media-id}
	EndpointPublishingLimit Endpoint = "publishing_limit" // GET /v1.0/{user}/threads_publishing_limit
	EndpointInsights        Endpoint = "insights"         // GET /v1.0/{media-id}/insights
	EndpointUserInsights    Endpoint = "user_insights"    // GET /v1.0/{user-id}/threads_insights
	EndpointOther           Endpoint = "other"            // anything else
	EndpointAll             Endpoint = "*"                // every endpoint: for Fault and CallCount
)

// FaultKind is what a fault does to a call.
type FaultKind int

// The kinds of fault.
const (
	// FaultLatency delays the call by Fault.Delay, then lets it through (or
	// on to the next matching fault).
	FaultLatency FaultKind = iota + 1
	// FaultServerError answers a 5xx (default 502) with an HTML body, as a
	// proxy in front of the API would. Nothing is done.
	FaultServerError
	// FaultReset closes the connection with a TCP reset and no answer.
	// Nothing is done.
	FaultReset
	// FaultRateLimit answers 429 with Retry-After (default 60 s) and a
	// code 4 body. Nothing is done.
	FaultRateLimit
	// FaultTransient answers a Graph error with is_transient true, code 2
	// (HTTP 500 by default). Nothing is done.
	FaultTransient
	// FaultLostAnswer performs the call (a publish succeeds: the ledger
	// records it and the container is PUBLISHED) but replaces the answer
	// with a 5xx (default 500) carrying code 10 "Application does not have
	// permission for this action", as observed on threads_publish.
	FaultLostAnswer
	// FaultMediaNotFound answers 400/24/4279009 "Media Not Found", the
	// publish-too-soon error. Nothing is done.
	FaultMediaNotFound
	// FaultError answers Fault.Error. Nothing is done.
	FaultError
	// FaultLateProcess drops the connection at once with no answer, as a
	// client killed mid-request sees it, and performs the call later: when
	// Fault.Release is closed, or after Fault.Delay when Release is nil. It
	// is the request still travelling when the caller died, which Meta
	// processes after the restarted caller has looked for its outcome.
	FaultLateProcess
)

// Fault describes a fault to inject on an endpoint.
type Fault struct {
	Kind FaultKind
	// Rate is the probability, drawn from the seeded source, that a call
	// the fault is eligible for gets it. Zero means every call.
	Rate float64
	// Count is how many times the fault fires before it is spent. Zero
	// means without end.
	Count int
	// Skip lets the first Skip calls of the endpoint through before the
	// fault becomes eligible ("fail the third publish": Skip 2, Count 1).
	Skip int
	// Delay is FaultLatency's delay; with other kinds, a wait before the
	// faulty answer.
	Delay time.Duration
	// Status overrides the HTTP status of the faulty answer.
	Status int
	// RetryAfter is sent as Retry-After (whole seconds). FaultRateLimit
	// defaults it to 60 s.
	RetryAfter time.Duration
	// Error replaces the body of FaultRateLimit, FaultTransient,
	// FaultLostAnswer and FaultMediaNotFound, and is FaultError's body.
	Error *GraphError
	// Release, for FaultLateProcess, holds the call back until it is
	// closed.
	Release <-chan struct{}
}

type faultState struct {
	Fault
	seen, fired int
}

// Fault adds a fault on ep (EndpointAll for every endpoint). Faults are
// tried in the order added; latency faults add up, and the first other
// fault that fires decides the answer.
func (s *Server) Fault(ep Endpoint, f Fault) {
	if f.Kind < FaultLatency || f.Kind > FaultLateProcess {
		panic("threadstest: Fault with unknown kind " + strconv.Itoa(int(f.Kind)))
	}
	if f.Kind == FaultError && f.Error == nil {
		panic("threadstest: FaultError needs Fault.Error")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[ep] = append(s.faults[ep], &faultState{Fault: f})
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = make(map[Endpoint][]*faultState)
}

// CallCount is how many calls ep received (EndpointAll: all endpoints),
// faulted ones included.
func (s *Server) CallCount(ep Endpoint) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ep == EndpointAll {
		n := 0
		for _, c := range s.calls {
			n += c
		}
		return n
	}
	return s.calls[ep]
}

func (s *Server) countCall(ep Endpoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[ep]++
}

// pickFaults decides which faults hit this call: a total delay and at most
// one answering fault.
func (s *Server) pickFaults(ep Endpoint) (delay time.Duration, f *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, list := range [][]*faultState{s.faults[ep], s.faults[EndpointAll]} {
		for _, fs := range list {
			fs.seen++
			if fs.seen <= fs.Skip || (fs.Count > 0 && fs.fired >= fs.Count) {
				continue
			}
			if fs.Rate > 0 && s.randFloat() >= fs.Rate {
				continue
			}
			fs.fired++
			delay += fs.Delay
			if fs.Kind != FaultLatency {
				cp := fs.Fault
				return delay, &cp
			}
		}
	}
	return delay, nil
}

func (s *Server) serveWithFaults(ep Endpoint, h handlerFunc, w http.ResponseWriter, r *http.Request) {
	delay, f := s.pickFaults(ep)
	if f != nil && f.Kind == FaultLateProcess {
		s.processLate(*f, h, r)
		resetConnection(w)
		return
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if f == nil {
		h(w, r)
		return
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(int64((f.RetryAfter+time.Second-1)/time.Second), 10))
	}
	body := func(def GraphError) GraphError {
		if f.Error != nil {
			def = *f.Error
		}
		if f.Status != 0 {
			def.HTTPStatus = f.Status
		}
		return def
	}
	switch f.Kind {
	case FaultServerError:
		status := f.Status
		if status == 0 {
			status = http.StatusBadGateway
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("<html><body><h1>" + strconv.Itoa(status) + " " + http.StatusText(status) + "</h1></body></html>\n"))
	case FaultReset:
		resetConnection(w)
	case FaultRateLimit:
		if f.RetryAfter == 0 {
			w.Header().Set("Retry-After", "60")
		}
		s.writeGraphError(w, body(GraphError{HTTPStatus: http.StatusTooManyRequests, Code: 4, IsTransient: true,
			Message: "Application request limit reached"}))
	case FaultTransient:
		s.writeGraphError(w, body(GraphError{HTTPStatus: http.StatusInternalServerError, Code: 2, IsTransient: true,
			Message: "An unexpected error has occurred. Please retry your request later."}))
	case FaultLostAnswer:
		h(discardWriter{http.Header{}}, r)
		s.writeGraphError(w, body(GraphError{HTTPStatus: http.StatusInternalServerError, Code: 10,
			Message: "Application does not have permission for this action"}))
	case FaultMediaNotFound:
		s.writeGraphError(w, body(errMediaNotFound(r.Form.Get("creation_id"))))
	case FaultError:
		s.writeGraphError(w, body(*f.Error))
	}
}

// processLate performs the call h in the background once f lets it go; its
// answer goes nowhere. WaitLate waits for it.
func (s *Server) processLate(f Fault, h handlerFunc, r *http.Request) {
	late := r.Clone(context.Background()) // the form is parsed already; the client is gone
	s.mu.Lock()                           // orders this Add before a WaitLate that follows it (a socket is no such edge)
	s.late.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.late.Done()
		if f.Release != nil {
			<-f.Release
		} else {
			time.Sleep(f.Delay)
		}
		h(discardWriter{http.Header{}}, late)
	}()
}

// WaitLate waits until every call FaultLateProcess held back has been
// performed, so a test can look at the ledger after the late arrivals.
func (s *Server) WaitLate() {
	s.mu.Lock()
	s.mu.Unlock() //nolint:staticcheck // an empty critical section: see processLate
	s.late.Wait()
}

// resetConnection drops the client's connection with a TCP RST (linger 0)
// so the client sees "connection reset by peer". When the writer cannot be
// hijacked it aborts the handler, which also closes the connection.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// discardWriter swallows the real answer of a FaultLostAnswer call.
type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d discardWriter) WriteHeader(int)             {}
