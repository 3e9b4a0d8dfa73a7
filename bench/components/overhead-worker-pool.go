package main

import (
	"context"

	"MODULE/workerpool"
)

// run feeds jobs no-op jobs to the generated pool and reads every outcome.
func run(jobs, workers int) {
	queue := make(chan int)
	go func() {
		defer close(queue)
		for job := range jobs {
			queue <- job
		}
	}()
	handle := func(_ context.Context, job int, _ int) (int, error) { return job * 2, nil }
	for outcome := range workerpool.Run(context.Background(), queue, handle, workers) {
		if outcome.Err != nil {
			panic(outcome.Err)
		}
	}
}
