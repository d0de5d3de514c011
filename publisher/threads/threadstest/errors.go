package threadstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// GraphError is an error answer in Meta's Graph envelope,
// {"error":{"message","type","code","error_subcode","is_transient",...}}.
// Options and faults take one wherever the reference marks the real body as
// unconfirmed, so a test can replay whatever Meta turns out to send.
type GraphError struct {
	// HTTPStatus is the status line; zero means 400, Graph's usual status
	// for an error body.
	HTTPStatus int
	Message    string
	// Type is "OAuthException" when empty. Threads also answers
	// "THApiException" (observed on code 100).
	Type        string
	Code        int
	Subcode     int
	IsTransient bool
	// UserTitle and UserMsg are error_user_title and error_user_msg, which
	// Meta localizes. When either is set the body also carries is_transient
	// even when false, as the observed 24/4279009 body does.
	UserTitle string
	UserMsg   string
}

// Error makes a GraphError usable as an error in a test helper.
func (e GraphError) Error() string {
	return fmt.Sprintf("threadstest: graph error %d/%d: %s", e.Code, e.Subcode, e.Message)
}

type graphErrorBody struct {
	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode,omitempty"`
	IsTransient *bool  `json:"is_transient,omitempty"`
	UserTitle   string `json:"error_user_title,omitempty"`
	UserMsg     string `json:"error_user_msg,omitempty"`
	FBTraceID   string `json:"fbtrace_id"`
}

func (s *Server) writeGraphError(w http.ResponseWriter, e GraphError) {
	body := graphErrorBody{
		Message: e.Message, Type: e.Type, Code: e.Code, Subcode: e.Subcode,
		UserTitle: e.UserTitle, UserMsg: e.UserMsg, FBTraceID: s.traceID(),
	}
	if body.Type == "" {
		body.Type = "OAuthException"
	}
	if e.IsTransient || e.UserTitle != "" || e.UserMsg != "" {
		t := e.IsTransient
		body.IsTransient = &t
	}
	status := e.HTTPStatus
	if status == 0 {
		status = http.StatusBadRequest
	}
	writeJSON(w, status, map[string]any{"error": body})
}

// writeFlatOAuthError writes the flat shape Meta documents for a refused
// authorization-code exchange.
func writeFlatOAuthError(w http.ResponseWriter, message string) {
	writeJSON(w, http.StatusBadRequest, struct {
		ErrorType    string `json:"error_type"`
		Code         int    `json:"code"`
		ErrorMessage string `json:"error_message"`
	}{"OAuthException", 400, message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "threadstest: encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func errParam(format string, args ...any) GraphError {
	return GraphError{Type: "THApiException", Code: 100, Message: fmt.Sprintf(format, args...)}
}

// errUnsupported is the observed 100/33 answer for an unknown or foreign node.
func errUnsupported(method, id string) GraphError {
	return GraphError{Type: "THApiException", Code: 100, Subcode: 33, Message: fmt.Sprintf(
		"Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation",
		method, id)}
}

func errNonexistingField(field string) GraphError {
	return errParam("Tried accessing nonexisting field (%s)", field)
}

// errMediaNotFound is the observed answer of threads_publish for a container
// that is not (yet) publishable.
func errMediaNotFound(id string) GraphError {
	return GraphError{Code: 24, Subcode: 4279009, Message: "The requested resource does not exist",
		UserTitle: "Media Not Found", UserMsg: fmt.Sprintf("The media with id %s cannot be found.", id)}
}

func errPermission() GraphError {
	return GraphError{Code: 10, Message: "Application does not have permission for this action"}
}

func errNoToken() GraphError {
	return GraphError{Code: 2500, Message: "An active access token must be used to query information about the current user."}
}

func errInvalidToken() GraphError {
	return GraphError{Code: 190, Message: "Invalid OAuth access token - Cannot parse access token"}
}

func (s *Server) errExpired(expired, now time.Time) GraphError {
	const layout = "Monday, 02-Jan-06 15:04:05 MST"
	return GraphError{HTTPStatus: s.opts.AuthErrorStatus, Code: 190, Subcode: 463, Message: fmt.Sprintf(
		"Error validating access token: Session has expired on %s. The current time is %s.",
		expired.In(s.zone).Format(layout), now.In(s.zone).Format(layout))}
}

func (s *Server) errRevoked(userID string) GraphError {
	return GraphError{HTTPStatus: s.opts.AuthErrorStatus, Code: 190, Subcode: 460, Message: fmt.Sprintf(
		"Error validating access token: The session has been invalidated because user %s revoked access for application %s.",
		userID, s.opts.AppID)}
}

// defaultQuotaError is what the simulator answers when a publish or delete
// would exceed a quota. Meta's real body is unconfirmed; Options.QuotaError
// replaces it.
func defaultQuotaError() GraphError {
	return GraphError{Code: 4, IsTransient: true, Message: "Application request limit reached"}
}
