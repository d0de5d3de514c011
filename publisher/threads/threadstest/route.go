package threadstest

import (
	"mime"
	"net/http"
	"regexp"
	"strings"
)

// maxRequestBody caps what the simulator reads of a request body; Meta's
// parameters are small, media travels by URL.
const maxRequestBody = 2 << 20

var versionSegment = regexp.MustCompile(`^v\d+\.\d+$`)

type handlerFunc func(http.ResponseWriter, *http.Request)

// ServeHTTP makes the Server an http.Handler: it parses the parameters
// (query, form or multipart body), counts the call, applies any faults
// configured for its endpoint, and dispatches.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	var err error
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		err = r.ParseMultipartForm(maxRequestBody)
	} else {
		err = r.ParseForm()
	}
	ep, h := s.route(r)
	s.countCall(ep)
	if err != nil {
		s.writeGraphError(w, errParam("Could not parse the request parameters: %v", err))
		return
	}
	defer s.enterCall(ep, accessToken(r))()
	s.serveWithFaults(ep, h, w, r)
}

// route picks the endpoint and handler for a request. Token paths are
// unversioned; Graph paths work with /v1.0 and without a version, as the
// official sample relies on.
func (s *Server) route(r *http.Request) (Endpoint, handlerFunc) {
	p := strings.TrimSuffix(r.URL.Path, "/")
	switch p {
	case "/oauth/authorize":
		return EndpointAuthorize, s.handleAuthorize
	case "/oauth/access_token":
		return EndpointCodeExchange, s.handleCodeExchange
	case "/access_token":
		return EndpointExchangeToken, s.handleExchange
	case "/refresh_access_token":
		return EndpointRefreshToken, s.handleRefresh
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(segs) > 0 && versionSegment.MatchString(segs[0]) {
		if segs[0] != "v1.0" {
			return EndpointOther, s.unknownPath
		}
		segs = segs[1:]
		switch strings.Join(segs, "/") {
		case "access_token", "refresh_access_token", "oauth/access_token":
			// Observed: the token endpoints do not exist under /v1.0.
			return EndpointOther, s.unsupportedMethod
		}
	}
	switch {
	case len(segs) == 1 && segs[0] != "":
		return s.routeNode(r, segs[0])
	case len(segs) == 2:
		return s.routeEdge(r, segs[0], segs[1])
	}
	return EndpointOther, s.unknownPath
}

func (s *Server) routeNode(r *http.Request, id string) (Endpoint, handlerFunc) {
	get := func(ep Endpoint, h func(http.ResponseWriter, *http.Request, string)) (Endpoint, handlerFunc) {
		return ep, func(w http.ResponseWriter, r *http.Request) { h(w, r, id) }
	}
	switch r.Method {
	case http.MethodGet:
		switch s.kindOf(id) {
		case "user":
			return get(EndpointProfile, s.handleProfile)
		case "container":
			return get(EndpointContainerStatus, s.handleContainerStatus)
		default:
			return get(EndpointMedia, s.handleMedia)
		}
	case http.MethodDelete:
		return get(EndpointDelete, s.handleDelete)
	}
	return EndpointOther, func(w http.ResponseWriter, r *http.Request) {
		s.writeGraphError(w, errUnsupported(strings.ToLower(r.Method), id))
	}
}

func (s *Server) routeEdge(r *http.Request, user, edge string) (Endpoint, handlerFunc) {
	bind := func(ep Endpoint, h func(http.ResponseWriter, *http.Request, string)) (Endpoint, handlerFunc) {
		return ep, func(w http.ResponseWriter, r *http.Request) { h(w, r, user) }
	}
	switch {
	case edge == "threads" && r.Method == http.MethodPost:
		return bind(EndpointCreateContainer, s.handleCreate)
	case edge == "threads" && r.Method == http.MethodGet:
		return bind(EndpointListThreads, s.handleListThreads)
	case edge == "replies" && r.Method == http.MethodGet:
		return bind(EndpointListReplies, s.handleListReplies)
	case edge == "threads_publish" && r.Method == http.MethodPost:
		return bind(EndpointPublish, s.handlePublish)
	case edge == "threads_publishing_limit" && r.Method == http.MethodGet:
		return bind(EndpointPublishingLimit, s.handlePublishingLimit)
	case edge == "insights" && r.Method == http.MethodGet:
		return bind(EndpointInsights, s.handleInsights)
	case edge == "threads_insights" && r.Method == http.MethodGet:
		return bind(EndpointUserInsights, s.handleUserInsights)
	}
	return EndpointOther, s.unknownPath
}

// kindOf tells what a node id names: "me" and user ids are users.
func (s *Server) kindOf(id string) string {
	if id == "me" {
		return "user"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[id]; ok {
		return "user"
	}
	if _, ok := s.containers[id]; ok {
		return "container"
	}
	return "media"
}

func (s *Server) unsupportedMethod(w http.ResponseWriter, r *http.Request) {
	s.writeGraphError(w, GraphError{Type: "THApiException", Code: 100,
		Message: "Unsupported request - method type: " + strings.ToLower(r.Method)})
}

func (s *Server) unknownPath(w http.ResponseWriter, r *http.Request) {
	s.writeGraphError(w, GraphError{HTTPStatus: http.StatusBadRequest, Type: "THApiException", Code: 100,
		Message: "Unsupported " + strings.ToLower(r.Method) + " request to " + r.URL.Path})
}
