package config

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/spindle-threads/spindle/storage"
)

// The parsers below return errors that complete a sentence whose subject is the value, and
// never quote the value: Load adds it for non-secrets only.

// parseAddr accepts host:port with a numeric port; port 0 picks a free port (tests use it).
func parseAddr(v string) (string, error) {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return v, errors.New(`is not a listen address; use host:port such as ":8080" or "127.0.0.1:8080"`)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return v, errors.New(`has no valid port; use a port from 0 to 65535, such as ":8080"`)
	}
	if strings.ContainsFunc(host, unicode.IsSpace) {
		return v, errors.New(`has a space in the host; use host:port such as "127.0.0.1:8080"`)
	}
	return v, nil
}

// parseDataDir accepts a directory that exists or can be created later (EnsureSecretKey and
// storage create it); an existing non-directory is refused now rather than at first write.
func parseDataDir(v string) (string, error) {
	if info, err := os.Stat(v); err == nil && !info.IsDir() {
		return v, errors.New("is a file, not a directory; point it at a directory (it is created if missing)")
	}
	return v, nil
}

// slashRule says what to do with a trailing slash: client libraries disagree (slack-go needs
// one, go-telegram/bot and our Graph client append paths that start with one).
type slashRule int

const (
	keepSlash slashRule = iota
	trimSlash
	ensureSlash
)

type urlRule struct {
	noQuery    bool // base URLs: a query would be lost or duplicated when paths are appended
	noFragment bool
	slash      slashRule
	example    string
}

// parseURL accepts an absolute http or https URL with a host and no user info.
func parseURL(v string, r urlRule) (string, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return v, fmt.Errorf("is not an absolute http:// or https:// URL; use one like %s", r.example)
	}
	switch {
	case u.User != nil:
		return v, fmt.Errorf("must not contain a user name or password; use one like %s", r.example)
	case (r.noQuery || r.noFragment) && u.Fragment != "":
		return v, fmt.Errorf("must not contain a #fragment; use one like %s", r.example)
	case r.noQuery && (u.RawQuery != "" || u.ForceQuery):
		return v, fmt.Errorf("must not contain a ?query; use one like %s", r.example)
	}
	switch r.slash {
	case trimSlash:
		v = strings.TrimRight(v, "/")
	case ensureSlash:
		if !strings.HasSuffix(v, "/") {
			v += "/"
		}
	}
	return v, nil
}

// parseOptionalURL is parseURL for settings without a default: empty stays empty.
func parseOptionalURL(v string, r urlRule) (string, error) {
	if v == "" {
		return "", nil
	}
	return parseURL(v, r)
}

// parseBool accepts the spellings operators use in env files, in any case.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "t", "true", "yes", "y", "on":
		return true, nil
	case "0", "f", "false", "no", "n", "off":
		return false, nil
	}
	return false, errors.New("is not a boolean; use true or false")
}

func parseDuration(v string, floor time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, errors.New("is not a duration; use a Go duration such as 30s, 5m or 1h")
	}
	if d < floor {
		return d, fmt.Errorf("is below the minimum of %s; use %s or more", floor, floor)
	}
	return d, nil
}

// parseRetention takes 0 (keep forever) or a duration of at least a day: shorter would delete
// a post before its author could look up what became of it.
func parseRetention(v string) (time.Duration, error) {
	if v == "0" {
		return 0, nil
	}
	d, err := parseDuration(v, 24*time.Hour)
	if err != nil {
		return d, fmt.Errorf("%w, or 0 to keep finished posts forever", err)
	}
	return d, nil
}

func parseZone(v string) (*time.Location, error) {
	// LoadLocation also accepts file paths; a zone name never contains "..".
	if strings.Contains(v, "..") || strings.HasPrefix(v, "/") {
		return time.UTC, errors.New("is not a time zone; use an IANA name such as UTC or Europe/Paris")
	}
	loc, err := time.LoadLocation(v)
	if err != nil {
		if _, err := time.LoadLocation("Europe/Paris"); err != nil {
			return time.UTC, errors.New("cannot be loaded: this system has no time zone database; install the tzdata package, or build Spindle with the time/tzdata import")
		}
		return time.UTC, errors.New("is not a known time zone; use an IANA name such as UTC or Europe/Paris")
	}
	return loc, nil
}

func parseWorkers(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errors.New("is not a whole number; use a number from 1 to 256")
	}
	if n < 1 || n > 256 {
		return n, errors.New("is out of range; use a number from 1 to 256")
	}
	return n, nil
}

// parseQuota reads a per-account limit of at most meta, Meta's own.
func parseQuota(v string, meta int, what string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("is not a whole number; use a number of %s from 1 to %d", what, meta)
	}
	if n < 1 {
		return n, fmt.Errorf("is below 1, so Spindle could never publish; use a number of %s from 1 to %d", what, meta)
	}
	if n > meta {
		return n, fmt.Errorf("is more than Meta allows; Meta allows at most %d %s per account in 24 hours: use %d, or lower to keep headroom for %s made in the Threads app", meta, what, meta, what)
	}
	return n, nil
}

func parseLogFormat(v string) (string, error) {
	switch f := strings.ToLower(v); f {
	case "text", "json":
		return f, nil
	}
	return v, errors.New("is not a log format; use text or json")
}

// parseScopes splits a comma-separated scope list. Meta requires threads_basic for every
// endpoint, so a list without it can only produce tokens that fail later.
func parseScopes(v string) ([]string, error) {
	var scopes []string
	hasBasic := false
	for s := range strings.SplitSeq(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if strings.ContainsFunc(s, func(r rune) bool { return !(r == '_' || r >= 'a' && r <= 'z') }) {
			return nil, fmt.Errorf("has an invalid scope %q; scopes are lower-case words joined by _, separated by commas, such as threads_basic,threads_content_publish", s)
		}
		hasBasic = hasBasic || s == "threads_basic"
		scopes = append(scopes, s)
	}
	if !hasBasic {
		return scopes, errors.New("does not include threads_basic, which Meta requires for every endpoint; add it, e.g. threads_basic,threads_content_publish")
	}
	return scopes, nil
}

// noSpace rejects ids and tokens with whitespace inside, the usual trace of a bad copy-paste.
func noSpace(v string) error {
	if strings.ContainsFunc(v, unicode.IsSpace) {
		return errors.New("contains whitespace; copy the value again without spaces or line breaks")
	}
	return nil
}

// parseWebhookSecret applies Telegram's rule for setWebhook's secret_token.
func parseWebhookSecret(v string) error {
	if v == "" {
		return nil
	}
	if len(v) > 256 || strings.ContainsFunc(v, func(r rune) bool {
		return !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		return errors.New("must be 1 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule); generate one with: openssl rand -hex 32")
	}
	return nil
}

func parseUserIDs(v string) ([]int64, error) {
	var ids []int64
	for s := range strings.SplitSeq(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("contains %q, which is not a Telegram user id; give positive numeric ids separated by commas, such as 12345678,87654321 (ask @userinfobot for yours)", s)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func joinInts(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// decodeKey accepts SPINDLE_SECRET_KEY as 64 hex characters or as standard or URL-safe base64,
// padded or not, of exactly 32 bytes. The two forms cannot be confused: 64 characters of
// base64 decode to 48 bytes.
func decodeKey(v string) ([]byte, error) {
	if len(v) == 64 {
		if b, err := hex.DecodeString(v); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, errors.New("is not a 32-byte key; give 64 hex characters or the base64 of 32 bytes (generate one with: openssl rand -hex 32), or unset it to have Spindle generate one into the data dir")
}

// parseDatabaseURL accepts an empty value (SQLite) or a postgres:// URL with a host. The URL
// holds a password, so its error never quotes it.
func parseDatabaseURL(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" || u.Path == "" || u.Path == "/" {
		return fmt.Errorf("is not a PostgreSQL URL; use one like postgres://spindle:password@db.example.com:5432/spindle, or unset it to use SQLite in the data dir")
	}
	if _, _, err := storage.SplitPoolSize(v); err != nil {
		return fmt.Errorf("is a PostgreSQL URL, but its %w", err)
	}
	return nil
}
