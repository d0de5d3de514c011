package threads

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// errorBody is the union of the error shapes Threads answers with
// (threads-api.md §7.1): the Graph envelope {"error":{...}}, the flat OAuth
// shape {error_type, code, error_message}, and the authorize page's
// {error_message, error_code}. "error" is raw because some OAuth servers put
// a plain string there.
type errorBody struct {
	Error        json.RawMessage `json:"error"`
	ErrorType    string          `json:"error_type"`
	Code         flexInt         `json:"code"`
	ErrorMessage string          `json:"error_message"`
	ErrorCode    flexInt         `json:"error_code"`
	ErrorDesc    string          `json:"error_description"`
}

type graphError struct {
	Message     string   `json:"message"`
	Type        string   `json:"type"`
	Code        flexInt  `json:"code"`
	Subcode     flexInt  `json:"error_subcode"`
	IsTransient flexBool `json:"is_transient"`
	TraceID     string   `json:"fbtrace_id"`
	// error_user_title and error_user_msg are localized: never read.
}

// parseError turns an error answer into an *Error. It never fails: an
// answer it cannot read is classified by its HTTP status alone.
func parseError(op string, status int, header http.Header, body []byte) *Error {
	e := &Error{Op: op, HTTPStatus: status}
	var b errorBody
	if json.Unmarshal(body, &b) == nil {
		var g graphError
		switch {
		case len(b.Error) > 0 && b.Error[0] == '{' && json.Unmarshal(b.Error, &g) == nil:
			e.Message, e.Type, e.Code, e.Subcode = g.Message, g.Type, int(g.Code), int(g.Subcode)
			e.IsTransient, e.TraceID = bool(g.IsTransient), g.TraceID
		case b.ErrorMessage != "" || b.ErrorType != "" || b.ErrorCode != 0:
			e.Message, e.Type = b.ErrorMessage, b.ErrorType
			e.Code = int(b.Code)
			if e.Code == 0 {
				e.Code = int(b.ErrorCode)
			}
		case len(b.Error) > 0 && b.Error[0] == '"':
			var s string
			_ = json.Unmarshal(b.Error, &s)
			e.Type, e.Message = s, b.ErrorDesc
		}
	}
	e.APICode = findAPICode(body)
	e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), time.Now())
	e.Class = classify(e)
	e.Reason = reasonFor(e)
	return e
}

// classify applies the reference's retry policy (§7.3–7.5) to Meta's codes.
// It reads codes, subcodes, is_transient, THREADS_API__* identifiers and the
// HTTP status, never the wording of a message, which Meta may localize.
func classify(e *Error) Class {
	code, sub := e.Code, e.Subcode
	switch {
	case sub == 4279009 || code == 24:
		return ClassMediaNotReady
	case code == 368 || sub == 2207051 || sub == 4279013:
		return ClassRestricted
	case code == 190 || code == 102 || code == 2500: // 2500: no active token given
		return ClassAuth
	case e.HTTPStatus == http.StatusTooManyRequests || code == 4 || code == 17 || code == 32 || code == 341 || code == 613:
		return ClassRateLimited
	case e.APICode == "THREADS_API__FEATURE_NOT_AVAILABLE":
		return ClassPermission
	case e.APICode != "" || sub == 2207052:
		return ClassValidation
	case code == 10 || code == 3 || (code >= 200 && code <= 299) || code == 1349245:
		return ClassPermission
	case code == 100 && sub == 33:
		return ClassNotFound
	case code == 100:
		return ClassValidation
	case e.IsTransient || code == 1 || code == 2:
		return ClassTransient
	case code == 1349026 || e.Type == "OAuthException":
		// The flat OAuth shape (a bad or used authorization code, code 400),
		// a wrong app id at the authorize page, or an OAuthException with
		// no code: Graph's "get a new token".
		return ClassAuth
	}
	switch s := e.HTTPStatus; {
	case s == 0 || s >= 500 || s == http.StatusRequestTimeout:
		return ClassTransient
	case s == http.StatusUnauthorized:
		return ClassAuth
	case s == http.StatusForbidden:
		return ClassPermission
	case s == http.StatusNotFound:
		return ClassNotFound
	}
	return ClassPermanent
}

// reasonFor says in plain words what happened and what to do.
func reasonFor(e *Error) string {
	switch e.Class {
	case ClassMediaNotReady:
		return "Threads has not finished processing the container yet — wait about 30 seconds, check its status, then publish the same container again"
	case ClassRestricted:
		return "Threads has restricted this account's activity — a person should check the account in the Threads app before anything is posted again"
	case ClassAuth:
		switch {
		case e.Code == 190 && e.Subcode == 463:
			return "the Threads access token has expired — refresh it if it is a long-lived token still within its 60 days, otherwise link the account again"
		case e.Code == 190 && e.Subcode == 460:
			return "the Threads session was invalidated (the password changed or the user logged out) — link the account again"
		case e.Code == 400 || e.Code == 1349026:
			return "Threads did not accept the authorization (the code is wrong, expired or already used, or the app id or secret is not the Threads app's) — start linking the account again"
		}
		return "the Threads access token is not valid any more (expired or revoked) — link the account again"
	case ClassRateLimited:
		wait := "a few minutes"
		if e.RetryAfter > 0 {
			wait = e.RetryAfter.String()
		}
		return "Threads is limiting how often this app or account may call it, or a daily quota is used up — wait " + wait + " and try again"
	case ClassPermission:
		if e.APICode == "THREADS_API__FEATURE_NOT_AVAILABLE" {
			return "this feature is not available to this Threads account — leave it out of the post"
		}
		if e.Code == 1349245 {
			return "the Threads user has not accepted the app's tester invite — accept it in Threads under Settings > Account > Website permissions"
		}
		return "the Threads app or this account's token lacks a permission this needs — link the account again granting the permission (for example threads_content_publish or threads_delete), or check the app's access in the Meta App Dashboard"
	case ClassValidation:
		switch {
		case e.APICode == "THREADS_API__LINK_LIMIT_EXCEEDED":
			return fmt.Sprintf("the post has more than %d links — remove some", MaxLinks)
		case e.APICode == "THREADS_API__GEO_GATING_INVALID_COUNTRY_CODES":
			return "Threads does not accept the country codes given — use ISO 3166-1 two-letter codes Threads supports"
		case e.Subcode == 2207052:
			return "Threads could not fetch the media — make sure its URL is public, answers directly without a redirect, and serves a JPEG, PNG or MP4 within Meta's size limits"
		}
		return "Threads refused the request as invalid — fix the post as its message says and submit it again"
	case ClassNotFound:
		return "the Threads post or object does not exist, was deleted, or this account cannot see it"
	case ClassTransient:
		if e.HTTPStatus == 0 {
			return "could not reach Threads — the call can be retried"
		}
		return "Threads had a temporary problem — the call can be retried"
	}
	return "Threads refused the request for a reason Spindle does not recognise — see Threads' message; it will not be retried"
}

// findAPICode returns the first THREADS_API__* identifier in body. These are
// fixed code strings, not localized text, and where Meta puts them in the
// JSON is unconfirmed, so the whole body is searched.
func findAPICode(body []byte) string {
	const prefix = "THREADS_API__"
	i := bytes.Index(body, []byte(prefix))
	if i < 0 {
		return ""
	}
	j := i + len(prefix)
	for j < len(body) && (body[j] == '_' || body[j] >= 'A' && body[j] <= 'Z' || body[j] >= '0' && body[j] <= '9') {
		j++
	}
	if j == i+len(prefix) {
		return ""
	}
	return string(body[i:j])
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, 24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), 24*time.Hour).Truncate(time.Second)
	}
	return 0
}

// flexInt decodes a JSON number or a string holding one; anything else is 0.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if fl, ferr := strconv.ParseFloat(s, 64); ferr == nil && fl >= -1e15 && fl <= 1e15 {
			n = int64(fl)
		}
	}
	*f = flexInt(n)
	return nil
}

// flexBool decodes true/false or their string forms; anything else is false.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	v, _ := strconv.ParseBool(strings.Trim(string(b), `"`))
	*f = flexBool(v)
	return nil
}
