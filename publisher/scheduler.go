package publisher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"

	"github.com/spindle-threads/spindle/publisher/leader"
)

// SchedulerOptions configure NewScheduler.
type SchedulerOptions struct {
	Logger *slog.Logger
	// Clock drives the job timers; nil means the real clock. Tests may pass a
	// clockwork fake clock (see libraries.md §7.3 for how to advance it reliably).
	Clock clockwork.Clock
	// StopTimeout bounds how long Shutdown waits for running jobs [20 s].
	StopTimeout time.Duration
	// Elector decides whether this replica runs the jobs registered with EveryOnLeader
	// (gocron's WithDistributedElector); nil runs them here, as a process alone on its
	// database (SQLite) does. See package publisher/leader. If it also has a Term method
	// (leader.Elector does), each run of such a job ends when this replica's term does.
	Elector gocron.Elector
}

// termer is an Elector that can bound a run by the current term: gocron asks IsLeader only
// before a run starts.
type termer interface {
	Term(ctx context.Context) (context.Context, context.CancelFunc)
}

// Scheduler owns Spindle's background jobs on one gocron scheduler, with the options every
// job needs and that gocron does not default to: singleton mode (a run still going when the
// next is due is skipped and rescheduled, never doubled), a panic listener (without one a
// panicking job crashes the process), an error listener, unique names, and a first run at
// start rather than one interval later. Other packages (feeds) register their jobs with Every.
//
// Jobs run on one of two gocron schedulers: Every's on every replica (the drain, result
// delivery and feed polling, whose leases and claims share the work row by row),
// EveryOnLeader's only on the replica the Elector names (sweeps that are not claimed row by
// row and must happen once: token refresh, quota reconciliation, housekeeping, approval
// expiry, pruning seen feed items).
type Scheduler struct {
	s     gocron.Scheduler
	lead  gocron.Scheduler
	term  termer // nil: a leader's job runs to its end
	log   *slog.Logger
	mu    sync.Mutex
	jobs  map[string]gocron.Job
	ctx   context.Context // cancelled at Shutdown, for work started outside gocron (wake timers)
	close context.CancelFunc
	after []func() // run at Shutdown once the jobs stopped: wait for work they left running
}

// NewScheduler returns a scheduler that is not yet running; register jobs, then Start.
func NewScheduler(o SchedulerOptions) (*Scheduler, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	stop := o.StopTimeout
	if stop == 0 {
		stop = 20 * time.Second
	}
	opts := []gocron.SchedulerOption{
		gocron.WithStopTimeout(stop),
		gocron.WithLocation(time.UTC),
		gocron.WithGlobalJobOptions(
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
			gocron.WithEventListeners(
				gocron.AfterJobRunsWithPanic(func(_ uuid.UUID, name string, rec any) {
					log.Error("background job panicked; it will run again at its next interval",
						slog.String("job", name), slog.Any("panic", rec))
				}),
				gocron.AfterJobRunsWithError(func(_ uuid.UUID, name string, err error) {
					log.Warn("background job failed; it will run again at its next interval",
						slog.String("job", name), slog.Any("error", err))
				}),
			),
		),
	}
	if o.Clock != nil {
		opts = append(opts, gocron.WithClock(o.Clock))
	}
	s, err := gocron.NewScheduler(opts...)
	if err != nil {
		return nil, fmt.Errorf("publisher: new scheduler: %w", err)
	}
	if o.Elector != nil {
		opts = append(opts, gocron.WithDistributedElector(o.Elector))
	}
	lead, err := gocron.NewScheduler(opts...)
	if err != nil {
		return nil, fmt.Errorf("publisher: new scheduler: %w", err)
	}
	term, _ := o.Elector.(termer)
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{s: s, lead: lead, term: term, log: log, jobs: map[string]gocron.Job{}, ctx: ctx, close: cancel}, nil
}

// Every registers fn to run every interval, first at Start, under a name unique in the
// scheduler (it names the job in logs). fn's context is cancelled at Shutdown.
func (s *Scheduler) Every(name string, interval time.Duration, fn func(context.Context) error) error {
	return s.every(s.s, name, interval, fn)
}

// EveryOnLeader is Every for a job that must run on one replica at a time: it runs only while
// this replica is the leader (SchedulerOptions.Elector); elsewhere its runs are skipped. A
// replica that takes over runs it at its next interval. A run still going when this
// replica's term ends has its context cancelled (see leader.Elector.Term); the next leader
// does the rest.
//
// Each run is logged at Debug ("singleton job started" and "singleton job ended", with the
// job's name), so that runs on different replicas can be shown never to overlap.
func (s *Scheduler) EveryOnLeader(name string, interval time.Duration, fn func(context.Context) error) error {
	return s.every(s.lead, name, interval, func(ctx context.Context) error {
		if s.term != nil {
			var end context.CancelFunc
			ctx, end = s.term.Term(ctx)
			defer end()
		}
		s.log.DebugContext(ctx, "singleton job started", slog.String("job", name))
		err := fn(ctx)
		cause := context.Cause(ctx) // nil while the run's context lasts
		s.log.DebugContext(ctx, "singleton job ended", slog.String("job", name), slog.Any("cause", cause))
		if err != nil && errors.Is(cause, leader.ErrNotLeader) {
			// Not a failure of the job: the term ended under it ("context canceled" would
			// say nothing to an operator).
			s.log.WarnContext(ctx, "a singleton job was stopped because this replica stopped leading; the leader runs it at its next interval",
				slog.String("job", name), slog.Any("error", err))
			return nil
		}
		return err
	})
}

// OnLeader is s as a job registry whose Every is EveryOnLeader, for packages (feeds) that
// register through Every and whose jobs must run once across replicas.
func (s *Scheduler) OnLeader() LeaderJobs { return LeaderJobs{s} }

// LeaderJobs registers jobs with EveryOnLeader; see OnLeader.
type LeaderJobs struct{ s *Scheduler }

// Every is EveryOnLeader.
func (l LeaderJobs) Every(name string, interval time.Duration, fn func(context.Context) error) error {
	return l.s.EveryOnLeader(name, interval, fn)
}

func (s *Scheduler) every(on gocron.Scheduler, name string, interval time.Duration, fn func(context.Context) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.jobs[name]; dup {
		return fmt.Errorf("publisher: a job named %q is already registered", name)
	}
	j, err := on.NewJob(gocron.DurationJob(interval), gocron.NewTask(fn),
		gocron.WithName(name), gocron.WithStartAt(gocron.WithStartImmediately()))
	if err != nil {
		return fmt.Errorf("publisher: register job %s: %w", name, err)
	}
	s.jobs[name] = j
	return nil
}

// RunNow runs a registered job at once, unless a run of it is in progress (singleton mode).
func (s *Scheduler) RunNow(name string) {
	s.mu.Lock()
	j, ok := s.jobs[name]
	s.mu.Unlock()
	if !ok || s.ctx.Err() != nil {
		return
	}
	if err := j.RunNow(); err != nil {
		s.log.Debug("job not run now", slog.String("job", name), slog.Any("error", err))
	}
}

// afterShutdown registers fn to run at Shutdown after the jobs stopped, to wait for work a job
// started and did not wait for.
func (s *Scheduler) afterShutdown(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.after = append(s.after, fn)
}

// Start starts running the jobs; it does not block.
func (s *Scheduler) Start() { s.s.Start(); s.lead.Start() }

// Shutdown stops the jobs, cancelling their contexts and waiting up to the stop timeout for
// running ones to return. A scheduler cannot be started again.
func (s *Scheduler) Shutdown() error {
	s.close()
	err := errors.Join(s.s.Shutdown(), s.lead.Shutdown())
	s.mu.Lock()
	after := s.after
	s.mu.Unlock()
	for _, fn := range after {
		fn()
	}
	if err != nil {
		return fmt.Errorf("publisher: shut down scheduler: %w", err)
	}
	return nil
}
