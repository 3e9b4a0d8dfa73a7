package main

import (
	"context"

	"MODULE/fanout"
)

// run fans jobs no-op tasks out through the generated component; workers is
// unused, fan-out starts every task at once.
func run(jobs, _ int) {
	inputs := make([]int, jobs)
	for job := range inputs {
		inputs[job] = job
	}
	task := func(_ context.Context, job int) (int, error) { return job * 2, nil }
	if _, err := fanout.Run(context.Background(), inputs, task); err != nil {
		panic(err)
	}
}
