package harness

import "fmt"

// Produce writes that the producer is about to put job into the buffer; the
// job counts as submitted from here.
func (d *Demo) Produce(job int) {
	d.write(event{Event: "produce", Job: job}, fmt.Sprintf("produced %d", job))
}

// Consume writes that the consumer worker took job out of the buffer.
func (d *Demo) Consume(job, worker int) {
	d.write(event{Event: "consume", Job: job, Worker: worker}, fmt.Sprintf("consumed %d", job))
}
