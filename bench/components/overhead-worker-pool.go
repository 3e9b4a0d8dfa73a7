package main

import (
	"context"

	"MODULE/workerpool"
)

// run feeds jobs no-op jobs to the generated pool and reads every result.
func run(jobs, workers int) {
	queue := make(chan int)
	go func() {
		defer close(queue)
		for job := range jobs {
			queue <- job
		}
	}()
	results := make([]int, jobs)
	handle := func(_ context.Context, _ int, job int) (int, error) { return job * 2, nil }
	for result := range workerpool.Run(context.Background(), workers, queue, handle) {
		results[result.Job] = result.Value
	}
}
