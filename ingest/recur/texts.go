package recur

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
)

// SplitTexts splits what a person typed into the texts a series rotates through: texts are
// separated by a line holding only "---". Empty texts are dropped. (Not "||": Threads' spoiler
// markup, ||hidden||, uses it.)
func SplitTexts(s string) []string {
	var out []string
	var cur []string
	flush := func() {
		if t := strings.TrimSpace(strings.Join(cur, "\n")); t != "" {
			out = append(out, t)
		}
		cur = cur[:0]
	}
	for line := range strings.SplitSeq(s, "\n") {
		if strings.TrimSpace(line) == "---" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return out
}

// Fields are what a series text may use as a template: {{.Date}} (2 January 2006, in the
// series' zone), {{.Weekday}} (Monday) and {{.N}} (the occurrence's number, from 1).
type Fields struct {
	Date    string
	Weekday string
	N       int
}

// FieldsAt are the fields of occurrence n at t in loc.
func FieldsAt(t time.Time, loc *time.Location, n int) Fields {
	l := t.In(loc)
	return Fields{Date: l.Format("2 January 2006"), Weekday: l.Weekday().String(), N: n}
}

var fieldNames = map[string]bool{"Date": true, "Weekday": true, "N": true}

// CheckText refuses a text whose template does not parse or names a field other than Date,
// Weekday and N, wherever in the template it is (a branch not taken today may be tomorrow).
func CheckText(text string) error {
	if !strings.Contains(text, "{{") {
		return nil
	}
	t, err := template.New("text").Parse(text)
	if err != nil {
		return fmt.Errorf("the text is not a valid template: %s", strings.TrimPrefix(err.Error(), "template: text:"))
	}
	var bad []string
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c)
				}
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n != nil {
				for _, c := range n.Cmds {
					walk(c)
				}
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.FieldNode:
			if !fieldNames[n.Ident[0]] {
				bad = append(bad, "."+strings.Join(n.Ident, "."))
			}
		case *parse.ChainNode:
			walk(n.Node)
		case *parse.VariableNode:
			if len(n.Ident) > 1 && n.Ident[0] == "$" && !fieldNames[n.Ident[1]] {
				bad = append(bad, strings.Join(n.Ident, "."))
			}
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			bad = append(bad, "{{range}}") // a loop could make a text of any length
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			bad = append(bad, "{{template}}")
		}
	}
	walk(t.Root)
	if len(bad) > 0 {
		return fmt.Errorf("the text uses %s; a series text may use only {{.Date}}, {{.Weekday}} and {{.N}}", strings.Join(bad, ", "))
	}
	return nil
}

// Render fills a text's fields; a text without "{{" is returned as it is.
func Render(text string, f Fields) (string, error) {
	if !strings.Contains(text, "{{") {
		return text, nil
	}
	t, err := template.New("text").Option("missingkey=error").Parse(text)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, f); err != nil {
		return "", err
	}
	return b.String(), nil
}
