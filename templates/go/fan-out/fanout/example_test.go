package fanout

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

func ExampleRun() {
	parse := func(ctx context.Context, s string) (int, error) { return strconv.Atoi(s) }
	numbers, err := Run(context.Background(), []string{"12", "x", "30"}, parse)
	fmt.Println(numbers)
	var te *TaskError
	if errors.As(err, &te) {
		fmt.Println("input", te.Index, "failed")
	}
	// Output:
	// [12 0 30]
	// input 1 failed
}
