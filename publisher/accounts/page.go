package accounts

import (
	"html"
	"html/template"
	"net/http"
	"regexp"
)

// pageTmpl is the small page the browser sees when no redirect URI is configured. It loads
// nothing from elsewhere and says everything in its text.
var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.Title}} · Spindle</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}.ok{color:#1a7f37}.err{color:#b42318}
a.go{display:inline-block;padding:.5rem 1.2rem;background:#222;color:#fff;border-radius:.4rem;text-decoration:none}</style></head>
<body><h1 class="{{if .OK}}ok{{else}}err{{end}}">{{.Title}}</h1><p>{{.Message}}</p>
{{- if .Continue}}
<p>If you did not ask for this link, close this tab: continuing would let {{.Who}} post as your Threads account.</p>
<p><a class="go" id="continue" href="{{.Continue}}">Continue to Threads</a></p>
{{- end}}
</body></html>
`))

type pageData struct {
	Title, Message string
	OK             bool
	// Who and Continue are set on the page shown before consent only.
	Who      string
	Continue string
}

func (s *Service) page(w http.ResponseWriter, status int, title, message string, ok bool) {
	s.render(w, status, pageData{Title: title, Message: message, OK: ok})
}

// confirmPage is shown before the browser goes to Threads: it names who the account is being
// linked for, so that someone handed another person's connect link sees it is not theirs.
func (s *Service) confirmPage(w http.ResponseWriter, id Identity, authorize string) {
	who := id.String() + " (" + doorName(id.Door) + ")"
	s.render(w, http.StatusOK, pageData{Title: "Link a Threads account", OK: true, Who: who, Continue: authorize,
		Message: "You are linking a Threads account for " + who + ". Threads will ask you to sign in and allow Spindle to post."})
}

func (s *Service) render(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// frame-ancestors and X-Frame-Options keep the Continue button out of another site's
	// frame, where it could be clicked without the text around it being seen.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, d)
}

// doorName is how a person knows the door an identity came from.
func doorName(door string) string {
	switch door {
	case DoorSlack:
		return "Slack"
	case DoorTelegram:
		return "Telegram"
	case DoorAPI:
		return "an API token"
	}
	return door
}

var continueRe = regexp.MustCompile(`id="continue" href="([^"]+)"`)

// ContinueURL returns the Continue link of the page GET /api/auth/threads?link= shows before
// consent, for programs that drive the flow in place of a person (end-to-end tests, a
// headless sandbox). ok is false when page is not that page.
func ContinueURL(page string) (u string, ok bool) {
	m := continueRe.FindStringSubmatch(page)
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}
