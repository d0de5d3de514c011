package publisher

import (
	"testing"

	"github.com/spindle-threads/spindle/publisher/threads"
)

func TestFailureClassOfEveryThreadsClass(t *testing.T) {
	t.Parallel()
	for c, want := range map[threads.Class]FailureClass{
		threads.ClassPermanent:     FailPermanent,
		threads.ClassTransient:     FailTransient,
		threads.ClassRateLimited:   FailRateLimited,
		threads.ClassAuth:          FailAuth,
		threads.ClassPermission:    FailPermission,
		threads.ClassValidation:    FailValidation,
		threads.ClassMediaNotReady: FailMediaNotReady,
		threads.ClassNotFound:      FailNotFound,
		threads.ClassRestricted:    FailRestricted,
		threads.Class(99):          FailPermanent, // a class the client may add later
	} {
		if got := failureClass(c); got != want {
			t.Errorf("failureClass(%v) = %q, want %q", c, got, want)
		}
	}
}
