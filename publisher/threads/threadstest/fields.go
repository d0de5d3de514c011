package threadstest

import "strings"

type field struct{ name, sub string }

// parseFields splits a Graph fields parameter, keeping nested selections
// like children{id,media_type} together.
func parseFields(v, def string) ([]field, *GraphError) {
	if strings.TrimSpace(v) == "" {
		v = def
	}
	var out []field
	depth, start := 0, 0
	add := func(part string) *GraphError {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil
		}
		name, sub, nested := strings.Cut(part, "{")
		if nested {
			if !strings.HasSuffix(sub, "}") {
				e := errParam("Syntax error in fields parameter: %q", v)
				return &e
			}
			sub = strings.TrimSuffix(sub, "}")
		}
		out = append(out, field{strings.TrimSpace(name), sub})
		return nil
	}
	for i, r := range v {
		switch r {
		case '{':
			depth++
		case '}':
			depth--
			if depth < 0 {
				e := errParam("Syntax error in fields parameter: %q", v)
				return nil, &e
			}
		case ',':
			if depth == 0 {
				if e := add(v[start:i]); e != nil {
					return nil, e
				}
				start = i + 1
			}
		}
	}
	if depth != 0 {
		e := errParam("Syntax error in fields parameter: %q", v)
		return nil, &e
	}
	if e := add(v[start:]); e != nil {
		return nil, e
	}
	return out, nil
}
