package accounts

import (
	"html/template"
	"net/http"
)

// pageTmpl is the small page the browser sees when no redirect URI is configured. It loads
// nothing from elsewhere and says everything in its text.
var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.Title}} · Spindle</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}.ok{color:#1a7f37}.err{color:#b42318}</style></head>
<body><h1 class="{{if .OK}}ok{{else}}err{{end}}">{{.Title}}</h1><p>{{.Message}}</p></body></html>
`))

func (s *Service) page(w http.ResponseWriter, status int, title, message string, ok bool) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, struct {
		Title, Message string
		OK             bool
	}{title, message, ok})
}
