package webhook

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func mustPayload(t testing.TB, s string) map[string]any {
	t.Helper()
	m, err := DecodePayload([]byte(s))
	if err != nil {
		t.Fatalf("DecodePayload: %v", err)
	}
	return m
}

func TestRenderTemplate(t *testing.T) {
	payload := `{"title":"  Hello  ","n":12345678901234567,"nothing":null,
		"html":"<p>One &amp; two</p><p>three<br>four</p><script>alert(1)</script>",
		"msg":"\n\nsubject line\n\nbody","list":["a","b"],"nested":{"k":"v"}}`
	tests := []struct{ name, tmpl, want string }{
		{"field", "{{.nested.k}}", "v"},
		{"big number exact", "{{.n}}", "12345678901234567"},
		{"null is empty", "[{{.nothing}}]", "[]"},
		{"optional field by index", `[{{index . "missing"}}]`, "[]"},
		{"default on null", `{{.nothing | default "none"}}`, "none"},
		{"default on missing", `{{index . "missing" | default "none"}}`, "none"},
		{"default keeps value", `{{.nested.k | default "none"}}`, "v"},
		{"trim", "[{{trim .title}}]", "[Hello]"},
		{"firstLine", "{{firstLine .msg}}", "subject line"},
		{"truncate short", "{{truncate 10 .nested.k}}", "v"},
		{"truncate cuts", "{{truncate 5 \"abcdefgh\"}}", "abcd…"},
		{"truncate runes", "{{truncate 3 \"héllo\"}}", "hé…"},
		{"truncate exact", "{{truncate 5 \"abcde\"}}", "abcde"},
		{"truncate pipeline", "{{.html | stripHTML | truncate 9}}", "One & tw…"},
		{"stripHTML", "{{stripHTML .html}}", "One & two\n\nthree\nfour"},
		{"trimPrefix", `{{trimPrefix "refs/tags/" "refs/tags/v1"}}`, "v1"},
		{"range list", "{{range .list}}{{.}},{{end}}", "a,b,"},
		{"with null", "{{with .nothing}}x{{else}}empty{{end}}", "empty"},
		{"str of number", `{{if eq (str .n) "12345678901234567"}}yes{{end}}`, "yes"},
		{"output trimmed", "\n  {{.nested.k}}  \n", "v"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := compileRender(t, tt.tmpl, payload)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// compileRender compiles tmpl as a source template and renders it over the JSON payload.
func compileRender(t *testing.T, tmpl, payload string) (string, error) {
	t.Helper()
	tm, err := CompileTemplate(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	return tm.Render(context.Background(), mustPayload(t, payload))
}

// TestRenderMissingField: a field the template uses that the payload lacks refuses the delivery
// and names the field, where it used to print a blank ("Codertocat/Hello-World  released:").
func TestRenderMissingField(t *testing.T) {
	payload := `{"repository":{"full_name":"Codertocat/Hello-World"},"ref":"refs/heads/main"}`
	tests := []struct{ name, tmpl, field string }{
		{"top level", "{{.repository.full_name}} {{.action}}", ".action"},
		{"nested under a missing object", "{{.repository.full_name}} {{.release.tag_name}} released", ".release.tag_name"},
		{"nested key", "{{.repository.private}}", ".repository.private"},
		{"inside with", "{{with .repository}}{{.owner}}{{end}}", ".owner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := compileRender(t, tt.tmpl, payload)
			fe, ok := errors.AsType[*FieldError](err)
			if !ok || fe.Field != "template" || !strings.Contains(fe.Reason, "the payload has no "+tt.field+",") {
				t.Fatalf("got %q, %v; want the missing field %s named", got, err, tt.field)
			}
		})
	}
}

func TestCompileTemplateErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"empty", "  ", "template is empty"},
		{"unclosed action", "{{.title", "template does not parse: template:1: unclosed action"},
		{"unknown function", "hi\n{{shout .title}}", `template:2: function "shout" not defined`},
		{"define", `{{define "x"}}a{{end}}{{template "x"}}`, "define and block are not allowed"},
		{"template call", `{{template "template"}}`, "line 1: {{template}} is not allowed"},
		{"range number", "a\nb\n{{range 1000000000}}{{end}}", "line 3: range over a number or a bare variable is not allowed"},
		{"range len", "{{range len .list}}{{end}}", "range over a number"},
		{"range variable", "{{$n := 5}}{{range $n}}{{end}}", "range over a number or a bare variable"},
		{"nested range number", "{{if .x}}{{with .y}}{{range 9}}{{end}}{{end}}{{end}}", "range over a number"},
		{"too big", strings.Repeat("a", maxTemplateSource+1), "the limit is"},
		{"nested range over root", "{{range .a}}\n{{range $.a}}{{end}}{{end}}", "line 2: inside a range, a nested range must start from the element"},
		{"nested range over variable", "{{$all := .a}}{{range .a}}{{range $all.b}}{{end}}{{end}}", "nested range must start"},
		{"with root inside range", "{{range .a}}{{with $}}{{range .a}}{{end}}{{end}}{{end}}", "nested with must start"},
		{"index of root inside range", `{{range .a}}{{range (index $ "a")}}{{end}}{{end}}`, "nested range must start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CompileTemplate(tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	for _, ok := range []string{
		"{{range $i, $c := .commits}}{{$c.id}} {{$.repository.name}}{{end}}",
		"{{range .commits}}{{range .modified}}{{.}}{{end}}{{end}}",
		"{{range $}}{{.}}{{end}}",
		"{{with $.x}}{{range $.y}}{{end}}{{end}}",
	} {
		if _, err := CompileTemplate(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
}

func TestRenderLimits(t *testing.T) {
	ctx := context.Background()
	// Output over the cap: a list of 70,000 one-kilobyte items would be 70 MB.
	tm, err := CompileTemplate(`{{range .list}}{{.}}{{.}}{{.}}{{.}}{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	big := `{"list":["` + strings.Repeat("x", 1024) + `"` + strings.Repeat(`,"`+strings.Repeat("y", 1024)+`"`, 100) + `]}`
	_, err = tm.Render(ctx, mustPayload(t, big))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "template" || !strings.Contains(fe.Reason, "over 64 KiB") {
		t.Fatalf("err = %v, want the output cap", err)
	}
	// An execution error names the template and position.
	tm, _ = CompileTemplate(`{{index .list 5}}`)
	_, err = tm.Render(ctx, mustPayload(t, `{"list":[1]}`))
	if !errors.As(err, &fe) || fe.Field != "template" || !strings.Contains(fe.Reason, "index out of range") {
		t.Fatalf("err = %v, want index out of range", err)
	}
	// A cancelled context stops a render that has not finished.
	tm, _ = CompileTemplate(`{{range .list}}{{.}}{{end}}`)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	start := time.Now()
	_, err = tm.Render(cctx, mustPayload(t, big))
	if err == nil || time.Since(start) > time.Second {
		t.Fatalf("cancelled render: err = %v after %v", err, time.Since(start))
	}
}

func TestStripHTML(t *testing.T) {
	tests := map[string]string{
		"plain":                                  "plain",
		"a < b and c > d":                        "a < b and c > d",
		"<b>bold</b>   text":                     "bold text",
		"<style>p{}</style>shown":                "shown",
		"<p>a</p>\n\n\n<p>b</p>":                 "a\n\nb",
		"&lt;tag&gt; &quot;q&quot; &#x27;s&#39;": "<tag> \"q\" 's'",
		"unclosed <a href=":                      "unclosed <a href=",
		"<SCRIPT>x</SCRIPT>y":                    "y",
	}
	for in, want := range tests {
		if got := stripHTML(in); got != want {
			t.Errorf("stripHTML(%q) = %q, want %q", in, got, want)
		}
	}
}
