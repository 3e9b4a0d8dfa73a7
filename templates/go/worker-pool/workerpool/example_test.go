package workerpool

import (
	"context"
	"fmt"
	"slices"
)

func ExampleRun() {
	ctx := context.Background()
	jobs := make(chan int)
	go func() {
		defer close(jobs) // the sender owns the channel and closes it
		for n := 1; n <= 5; n++ {
			jobs <- n
		}
	}()
	square := func(ctx context.Context, worker, n int) (int, error) { return n * n, nil }

	var squares []int
	for r := range Run(ctx, 2, jobs, square) {
		if r.Err != nil {
			fmt.Println("job", r.Job, "failed:", r.Err)
			continue
		}
		squares = append(squares, r.Value)
	}
	slices.Sort(squares) // results arrive in completion order
	fmt.Println(squares)
	// Output: [1 4 9 16 25]
}
