package main

import (
	"context"

	"MODULE/fanout"
)

// run fans jobs no-op jobs out through the generated component and reads
// every outcome; workers is unused, fan-out starts every job at once.
func run(jobs, _ int) {
	queue := make(chan int)
	go func() {
		defer close(queue)
		for job := range jobs {
			queue <- job
		}
	}()
	handle := func(_ context.Context, job int) (int, error) { return job * 2, nil }
	for outcome := range fanout.Run(context.Background(), queue, handle) {
		if outcome.Err != nil {
			panic(outcome.Err)
		}
	}
}
