package threads

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseErrorGolden(t *testing.T) {
	tests := []struct {
		file     string
		status   int
		class    Class
		code     int
		subcode  int
		apiCode  string
		typ      string
		says     string // a phrase the Error() text must contain
		hasTrace bool
	}{
		{"media_not_found.json", 400, ClassMediaNotReady, 24, 4279009, "", "OAuthException", "publish the same container again", true},
		{"media_not_found_localized.json", 400, ClassMediaNotReady, 24, 4279009, "", "OAuthException", "not finished processing", true},
		{"unsupported_get.json", 400, ClassNotFound, 100, 33, "", "THApiException", "does not exist", true},
		{"nonexisting_field.json", 400, ClassValidation, 100, 0, "", "THApiException", "Tried accessing nonexisting field (status)", false},
		{"unsupported_method.json", 400, ClassValidation, 100, 0, "", "THApiException", "refused the request as invalid", false},
		{"link_limit.json", 400, ClassValidation, 100, 0, "THREADS_API__LINK_LIMIT_EXCEEDED", "THApiException", "more than 5 links", true},
		{"feature_not_available.json", 400, ClassPermission, 100, 0, "THREADS_API__FEATURE_NOT_AVAILABLE", "THApiException", "not available to this Threads account", true},
		{"token_expired.json", 400, ClassAuth, 190, 463, "", "OAuthException", "access token has expired", true},
		{"token_expired.json", 401, ClassAuth, 190, 463, "", "OAuthException", "HTTP 401", true},
		{"token_invalidated.json", 400, ClassAuth, 190, 460, "", "OAuthException", "link the account again", true},
		{"oauth_flat_bad_code.json", 400, ClassAuth, 400, 0, "", "OAuthException", "start linking the account again", false},
		{"authorize_tester_invite.json", 400, ClassPermission, 1349245, 0, "", "", "tester invite", false},
		{"authorize_no_app.json", 400, ClassAuth, 1349026, 0, "", "", "not the Threads app's", false},
		{"permission.json", 400, ClassPermission, 10, 0, "", "OAuthException", "lacks a permission", true},
		{"permission_200.json", 403, ClassPermission, 200, 0, "", "OAuthException", "lacks a permission", true},
		{"rate_limit_app.json", 400, ClassRateLimited, 4, 0, "", "OAuthException", "wait a few minutes", true},
		{"rate_limit_user.json", 400, ClassRateLimited, 17, 2446079, "", "OAuthException", "limiting", true},
		{"image_fetch_failed.json", 400, ClassValidation, 1, 2207052, "", "OAuthException", "could not fetch the media", true},
		{"unknown_transient.json", 500, ClassTransient, 1, 0, "", "OAuthException", "temporary problem", true},
		{"service_unavailable.json", 503, ClassTransient, 2, 0, "", "OAuthException", "can be retried", true},
		{"restricted.json", 400, ClassRestricted, 10, 4279013, "", "OAuthException", "restricted this account", true},
		{"restricted_community.json", 400, ClassRestricted, 9, 2207051, "", "OAuthException", "restricted", true},
		{"policy_block.json", 400, ClassRestricted, 368, 0, "", "OAuthException", "restricted", true},
		{"string_codes.json", 400, ClassPermission, 10, 0, "", "OAuthException", "permission", true},
		{"oauth2_string_error.json", 400, ClassPermanent, 0, 0, "", "invalid_request", "redirect_uri does not match", false},
		{"bad_gateway.html", 502, ClassTransient, 0, 0, "", "", "HTTP 502", false},
		{"empty.txt", 500, ClassTransient, 0, 0, "", "", "temporary problem", false},
		{"empty.txt", 429, ClassRateLimited, 0, 0, "", "", "HTTP 429", false},
		{"empty.txt", 401, ClassAuth, 0, 0, "", "", "link the account again", false},
		{"empty.txt", 404, ClassNotFound, 0, 0, "", "", "does not exist", false},
		{"empty.txt", 418, ClassPermanent, 0, 0, "", "", "will not be retried", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.file, tt.status), func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "errors", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			e := parseError("test op", tt.status, http.Header{}, body)
			if e.Class != tt.class || e.Code != tt.code || e.Subcode != tt.subcode || e.APICode != tt.apiCode || e.Type != tt.typ {
				t.Errorf("parseError = class %v code %d/%d api %q type %q; want %v %d/%d %q %q",
					e.Class, e.Code, e.Subcode, e.APICode, e.Type, tt.class, tt.code, tt.subcode, tt.apiCode, tt.typ)
			}
			if e.HTTPStatus != tt.status {
				t.Errorf("HTTPStatus = %d, want %d", e.HTTPStatus, tt.status)
			}
			if (e.TraceID != "") != tt.hasTrace {
				t.Errorf("TraceID = %q, want present=%v", e.TraceID, tt.hasTrace)
			}
			msg := e.Error()
			if !strings.Contains(msg, tt.says) {
				t.Errorf("Error() = %q, want it to contain %q", msg, tt.says)
			}
			if !strings.HasPrefix(msg, "threads: test op: ") {
				t.Errorf("Error() = %q, want the threads: op: prefix", msg)
			}
			// Localized texts are never shown or used.
			if strings.Contains(msg, "Không") || strings.Contains(msg, "Media Not Found") {
				t.Errorf("Error() shows a localized user message: %q", msg)
			}
			if strings.Contains(msg, "<html>") {
				t.Errorf("Error() shows an HTML page: %q", msg)
			}
		})
	}
}

func TestParseErrorRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"99999999", 24 * time.Hour},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.header, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
	h := http.Header{}
	h.Set("Retry-After", "30")
	e := parseError("op", http.StatusTooManyRequests, h, []byte(`{"error":{"message":"(#4) Application request limit reached","code":4,"is_transient":true}}`))
	if e.Class != ClassRateLimited || e.RetryAfter != 30*time.Second || RetryAfter(e) != 30*time.Second {
		t.Fatalf("429 with Retry-After: class %v RetryAfter %v", e.Class, e.RetryAfter)
	}
	if !strings.Contains(e.Error(), "wait 30s") {
		t.Errorf("Error() = %q, want it to say how long to wait", e.Error())
	}
}

func TestClassPredicates(t *testing.T) {
	mk := func(c Class) error { return fmt.Errorf("publisher: wrapped: %w", &Error{Class: c, Reason: "x"}) }
	tests := []struct {
		err                                         error
		transient, rate, auth, notReady, retry, pub bool
	}{
		{nil, false, false, false, false, false, false},
		{errors.New("plain"), false, false, false, false, false, false},
		{mk(ClassTransient), true, false, false, false, true, false},
		{mk(ClassRateLimited), false, true, false, false, true, false},
		{mk(ClassAuth), false, false, true, false, false, false},
		{mk(ClassMediaNotReady), false, false, false, true, true, false},
		{mk(ClassValidation), false, false, false, false, false, false},
		{fmt.Errorf("w: %w", &Error{Class: ClassTransient, MaybePublished: true}), true, false, false, false, true, true},
	}
	for i, tt := range tests {
		got := []bool{IsTransient(tt.err), IsRateLimited(tt.err), IsAuth(tt.err), IsMediaNotReady(tt.err), IsRetryable(tt.err), MaybePublished(tt.err)}
		want := []bool{tt.transient, tt.rate, tt.auth, tt.notReady, tt.retry, tt.pub}
		for j := range got {
			if got[j] != want[j] {
				t.Errorf("case %d predicate %d = %v, want %v (err %v)", i, j, got[j], want[j], tt.err)
			}
		}
	}
	if ClassOf(mk(ClassRestricted)) != ClassRestricted {
		t.Error("ClassOf does not see through wrapping")
	}
	for c := ClassPermanent; c <= ClassRestricted; c++ {
		if s := c.String(); s == "" || strings.HasPrefix(s, "Class(") {
			t.Errorf("Class %d has no name", int(c))
		}
	}
}

func TestRedactErr(t *testing.T) {
	const token = "THQVJsecret|token+/="
	ue := &url.Error{Op: "Get", URL: "https://graph.threads.net/v1.0/me?access_token=" + url.QueryEscape(token) + "&fields=id", Err: context.DeadlineExceeded}
	err := redactErr(ue, []string{token})
	if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "THQVJsecret") {
		t.Fatalf("token survived: %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("redaction lost the cause: %v", err)
	}
	inner := fmt.Errorf("dial failed for %s: %w", token, context.Canceled)
	err = redactErr(inner, []string{token})
	if strings.Contains(err.Error(), "THQVJsecret") || !errors.Is(err, context.Canceled) {
		t.Errorf("inner redaction: %v (is canceled %v)", err, errors.Is(err, context.Canceled))
	}
	var unwrapped interface{ Unwrap() error }
	if errors.As(err, &unwrapped) {
		t.Errorf("sanitized error still unwraps to the original")
	}
	if got := redactURL("https://x.io/a?client_secret=s3&code=abc&q=1", nil); strings.Contains(got, "s3") || strings.Contains(got, "abc") || !strings.Contains(got, "q=1") {
		t.Errorf("redactURL = %q", got)
	}
}

func FuzzParseError(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "errors", "*"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(400, b, "")
		f.Add(500, b, "17")
	}
	f.Add(200, []byte(`{"error":null}`), "")
	f.Add(400, []byte(`{"error":{"code":1e400,"error_subcode":-1,"is_transient":"maybe"}}`), "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter string) {
		h := http.Header{}
		h.Set("Retry-After", retryAfter)
		e := parseError("fuzz", status, h, body)
		if e == nil {
			t.Fatal("nil error")
		}
		if e.Reason == "" || !strings.HasPrefix(e.Error(), "threads: fuzz: ") {
			t.Fatalf("unreadable error %q", e.Error())
		}
		if e.Class < ClassPermanent || e.Class > ClassRestricted {
			t.Fatalf("class out of range: %d", e.Class)
		}
		if e.RetryAfter < 0 || e.RetryAfter > 24*time.Hour {
			t.Fatalf("RetryAfter out of range: %v", e.RetryAfter)
		}
		if e.Class != classify(e) {
			t.Fatal("classification is not stable")
		}
	})
}
