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

// Adding records that this process's producer is adding job to the stream.
// A worker here may take it before the add returns: the job's first event
// on that worker then writes its produce first.
func (d *Demo) Adding(job int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.adding = job
}

// Produced records that the add of job has ended: produce (counted as
// submitted) once it is in the stream, unless a worker here wrote it
// already; nothing if a stop or an error came first, as it was never
// submitted.
func (d *Demo) Produced(job int, added bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.adding == job {
		d.adding = 0
		if added {
			d.writeLocked(produced(job))
		}
	}
}

func produced(job int) (event, string) {
	return event{Event: "produce", Job: job}, fmt.Sprintf("produced %d", job)
}
