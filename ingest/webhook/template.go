package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template"
	"text/template/parse"
)

// Limits of a source template. A template is written by an operator, but it runs over a payload
// written by whoever holds the source's secret, so its output is capped, and CompileTemplate
// refuses the constructs whose run time would not be bounded by the size of the payload.
const (
	maxTemplateSource = 16 << 10
	maxTemplateOutput = 64 << 10
)

// errOutputLimit aborts a render that wrote too much.
var errOutputLimit = errors.New("template output is over 64 KiB")

// Template is a compiled per-source text/template that maps a foreign JSON payload to the text
// of a post. It is safe for concurrent use.
type Template struct {
	src string
	t   *template.Template
}

// CompileTemplate parses a source template. It runs when a source is created or changed, so an
// operator learns of a mistake then, not when the first webhook arrives. Besides text/template's
// builtins it offers truncate, stripHTML, firstLine, default, trim, trimPrefix and str (see
// funcs).
//
// A few constructs are refused so that every render takes time linear in the payload: define,
// block and template (a few lines could recurse exponentially); range over a number, len or a
// variable (a loop that reads nothing); and, inside a range, a nested range or with that starts
// from a variable instead of the element (a loop over the whole payload for every element).
// Render then needs no timer and no goroutine: it cannot run away.
//
// A field the template uses that the payload lacks is an error, not a blank: a template written
// for releases, run over a push, used to post "Codertocat/Hello-World  released:". A field that
// may be missing is read with index (`{{with index .release "body"}}`), which yields nothing.
func CompileTemplate(src string) (*Template, error) { return compileTemplate(src, true) }

// compileTemplate compiles src; strict makes a missing field an error (source templates), while
// the built-in presets, which test for optional fields with {{with}}, compile lenient.
func compileTemplate(src string, strict bool) (*Template, error) {
	if len(src) > maxTemplateSource {
		return nil, fmt.Errorf("template is %d bytes; the limit is %d", len(src), maxTemplateSource)
	}
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("template is empty")
	}
	t := template.New("template").Funcs(funcs)
	if strict {
		t = t.Option("missingkey=error")
	}
	t, err := t.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("template does not parse: %s", strings.TrimPrefix(err.Error(), "template: "))
	}
	if len(t.Templates()) > 1 {
		return nil, errors.New("template: define and block are not allowed in a webhook template")
	}
	if err := (nodeChecker{src: src}).check(t.Tree.Root); err != nil {
		return nil, err
	}
	return &Template{src: src, t: t}, nil
}

// Source returns the text the template was compiled from.
func (t *Template) Source() string { return t.src }

// Render runs the template over data (usually from DecodePayload) and returns the trimmed text.
// Errors are *FieldError with Field "template", ready for the sender: they say where the
// template failed, never anything about the source's secret.
func (t *Template) Render(ctx context.Context, data any) (string, error) {
	w := &limitWriter{ctx: ctx}
	if err := t.t.Execute(w, data); err != nil {
		if errors.Is(err, errOutputLimit) {
			return "", &FieldError{Field: "template", Reason: errOutputLimit.Error()}
		}
		if ctx.Err() != nil {
			return "", &FieldError{Field: "template", Reason: "render stopped: " + ctx.Err().Error()}
		}
		if f := missingField(err); f != "" {
			return "", &FieldError{Field: "template", Reason: fmt.Sprintf("the payload has no %s, which the source's template uses; "+
				"nothing was posted (the operator can read an optional field with index, e.g. {{with index . \"name\"}})", f)}
		}
		return "", &FieldError{Field: "template", Reason: strings.TrimPrefix(err.Error(), "template: ")}
	}
	// A key missing from the payload prints as "<no value>"; in a post that is never wanted.
	out := strings.ReplaceAll(w.buf.String(), "<no value>", "")
	return strings.TrimSpace(out), nil
}

// missingField names the field of a failed strict render that the payload lacks (".release.name"),
// or "" when err is another failure. text/template reports it as `… at <.release.name>: map has
// no entry for key "name"` or, one level further down, as a nil pointer evaluation.
func missingField(err error) string {
	msg := err.Error()
	if !strings.Contains(msg, "map has no entry for key") && !strings.Contains(msg, "nil pointer evaluating") {
		return ""
	}
	i := strings.Index(msg, " at <")
	if i < 0 {
		return "a field"
	}
	rest := msg[i+len(" at <"):]
	if j := strings.Index(rest, ">"); j >= 0 {
		return rest[:j]
	}
	return "a field"
}

// eventError says which event's payload a template failed on, so a sender reading GitHub's
// "Recent Deliveries" sees why this one was refused.
func eventError(err error, event string) error {
	if fe, ok := errors.AsType[*FieldError](err); ok && event != "" && fe.Field == "template" {
		return &FieldError{Field: fe.Field, Reason: fmt.Sprintf("%q event: %s", event, fe.Reason)}
	}
	return err
}

// limitWriter caps a render's output and stops it once the request is gone.
type limitWriter struct {
	ctx context.Context
	buf bytes.Buffer
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	if w.buf.Len()+len(p) > maxTemplateOutput {
		return 0, errOutputLimit
	}
	return w.buf.Write(p)
}

// nodeChecker refuses the constructs whose cost is not linear in the payload (CompileTemplate).
type nodeChecker struct {
	src     string
	inRange bool
}

func (c nodeChecker) check(n parse.Node) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, sub := range n.Nodes {
			if err := c.check(sub); err != nil {
				return err
			}
		}
	case *parse.TemplateNode:
		return fmt.Errorf("template: line %d: {{template}} is not allowed in a webhook template", c.line(n))
	case *parse.RangeNode:
		if rangesOverNumber(n.Pipe) {
			return fmt.Errorf("template: line %d: range over a number or a bare variable is not allowed; range over a list from the payload such as .commits or $.commits", c.line(n))
		}
		if c.inRange && usesVariable(n.Pipe) {
			return c.nestedErr(n, "range")
		}
		inner := c
		inner.inRange = true
		return inner.branch(&n.BranchNode)
	case *parse.WithNode:
		if c.inRange && usesVariable(n.Pipe) {
			return c.nestedErr(n, "with")
		}
		return c.branch(&n.BranchNode)
	case *parse.IfNode:
		return c.branch(&n.BranchNode)
	}
	return nil
}

func (c nodeChecker) nestedErr(n parse.Node, what string) error {
	return fmt.Errorf("template: line %d: inside a range, a nested %s must start from the element (.), not from a variable such as $", c.line(n), what)
}

func (c nodeChecker) branch(b *parse.BranchNode) error {
	if err := c.check(b.List); err != nil {
		return err
	}
	if b.ElseList != nil {
		return c.check(b.ElseList)
	}
	return nil
}

// usesVariable reports whether a pipeline reads any variable ($, $x, $.field).
func usesVariable(p *parse.PipeNode) bool {
	if p == nil {
		return false
	}
	for _, cmd := range p.Cmds {
		for _, a := range cmd.Args {
			switch a := a.(type) {
			case *parse.VariableNode:
				return true
			case *parse.PipeNode:
				if usesVariable(a) {
					return true
				}
			case *parse.ChainNode:
				if v, ok := a.Node.(*parse.VariableNode); ok && v != nil {
					return true
				}
				if pn, ok := a.Node.(*parse.PipeNode); ok && usesVariable(pn) {
					return true
				}
			}
		}
	}
	return false
}

func rangesOverNumber(p *parse.PipeNode) bool {
	if p == nil || len(p.Cmds) == 0 {
		return false
	}
	for _, c := range p.Cmds {
		for _, a := range c.Args {
			switch a := a.(type) {
			case *parse.NumberNode:
				return true
			case *parse.IdentifierNode:
				if a.Ident == "len" {
					return true
				}
			case *parse.VariableNode:
				if len(a.Ident) == 1 && a.Ident[0] != "$" {
					return true // a bare variable may hold a number
				}
			}
		}
	}
	return false
}

// line turns a node's byte offset into the 1-based line an editor shows.
func (c nodeChecker) line(n parse.Node) int {
	pos := min(max(int(n.Position()), 0), len(c.src))
	return 1 + strings.Count(c.src[:pos], "\n")
}

// DecodePayload decodes a foreign JSON payload for templates and presets. Numbers stay
// json.Number so ids print exactly ("1234567890123", not "1.234567890123e+12"), and JSON null
// becomes "" so {{with}} and default treat it as empty instead of printing "<no value>".
func DecodePayload(body []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, bodyJSONError(body, err)
	}
	if m == nil {
		return nil, &FieldError{Reason: "body must be a JSON object, got null"}
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, &FieldError{Reason: "body has data after the JSON object"}
	}
	nullsToEmpty(m)
	return m, nil
}

func nullsToEmpty(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if e == nil {
				v[k] = ""
			} else {
				nullsToEmpty(e)
			}
		}
	case []any:
		for i, e := range v {
			if e == nil {
				v[i] = ""
			} else {
				nullsToEmpty(e)
			}
		}
	}
}
