package harness

import "fmt"

// Task is a job's payload on the stream, the same in every target: how long
// its simulated work takes, and whether it fails on every delivery.
type Task struct {
	WorkMS int  `json:"work_ms"`
	Fail   bool `json:"fail"`
}

// Task returns job's payload from the producer's flags.
func (d *Demo) Task(job int) Task {
	return Task{WorkMS: d.WorkMS, Fail: d.FailEvery > 0 && job%d.FailEvery == 0}
}

// Produce writes that job is in the stream; it counts as submitted by this
// process.
func (d *Demo) Produce(job int) {
	d.write(event{Event: "produce", Job: job}, fmt.Sprintf("produced %d", job))
}
