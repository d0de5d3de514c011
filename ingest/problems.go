package ingest

import "errors"

// Problems returns every *InvalidError in err, in order, looking through errors.Join and %w
// wrapping: each door turns them into its own answer (a 400 naming fields, a chat line per
// reason) from this one walk.
func Problems(err error) []*InvalidError {
	var out []*InvalidError
	for _, leaf := range leaves(err) {
		var ie *InvalidError
		if errors.As(leaf, &ie) {
			out = append(out, ie)
		}
	}
	return out
}

// leaves flattens joined errors into the errors they join.
func leaves(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	if inner := errors.Unwrap(err); inner != nil {
		if _, joined := inner.(interface{ Unwrap() []error }); joined {
			return leaves(inner) // a %w around a join: the join's parts are the problems
		}
	}
	return []error{err}
}
