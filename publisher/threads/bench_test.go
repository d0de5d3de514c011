package threads_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
)

// BenchmarkPublishRoundTrip measures one post's API work — create a TEXT
// container, read its status, publish it — against the simulator over
// loopback HTTP: the floor the API itself sets under the publisher.
func BenchmarkPublishRoundTrip(b *testing.B) {
	e := newEnv(b, threadstest.Options{Quotas: threadstest.Quotas{Posts: 1 << 30}})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := publishOnce(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}

// BenchmarkPublishRoundTripParallel is the same with concurrent publishers
// (one account), as a publisher with several workers would drive it.
func BenchmarkPublishRoundTripParallel(b *testing.B) {
	e := newEnv(b, threadstest.Options{Quotas: threadstest.Quotas{Posts: 1 << 30}})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := publishOnce(ctx, e); err != nil {
				b.Error(err) // Fatal may not be called off the benchmark goroutine
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}

func publishOnce(ctx context.Context, e *env) error {
	id, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{MediaType: threads.MediaTypeText, Text: "benchmark post"})
	if err != nil {
		return err
	}
	st, err := e.c.ContainerStatus(ctx, e.token, id)
	if err != nil {
		return err
	}
	if st.Status != threads.StatusFinished {
		return fmt.Errorf("container %s is %s, want FINISHED", id, st.Status)
	}
	_, err = e.c.Publish(ctx, e.token, "me", id)
	return err
}
