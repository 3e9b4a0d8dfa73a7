package harness

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sync"
	"time"
)

// event is one line of output. Field order is the JSON key order of the
// contract; empty optional fields are left out.
type event struct {
	Event  string  `json:"event"`
	Job    int     `json:"job,omitempty"`
	Worker int     `json:"worker,omitempty"`
	Signal string  `json:"signal,omitempty"`
	TimeMS float64 `json:"t_ms"`
	Result *int    `json:"result,omitempty"`
	Error  string  `json:"error,omitempty"`
}

// summary is the last line of every run.
type summary struct {
	Event          string  `json:"event"`
	Pattern        string  `json:"pattern"`
	Target         string  `json:"target"`
	Submitted      int     `json:"submitted"`
	Completed      int     `json:"completed"`
	Failed         int     `json:"failed"`
	TimedOut       int     `json:"timed_out"`
	Cancelled      int     `json:"cancelled"`
	MaxConcurrency int     `json:"max_concurrency"`
	ElapsedMS      float64 `json:"elapsed_ms"`
}

// jobState is what the recorder knows about one job in flight.
type jobState struct {
	worker  int
	started bool
}

// recorder writes events and keeps the counts behind the summary. One
// mutex serialises both, so lines never interleave and the counts always
// agree with the lines already written. Once the summary is out the
// recorder is sealed and ignores late calls, so a second signal can end the
// program while workers are still reporting.
//
// It keeps state only for the jobs in flight (submitted, not yet ended) and
// forgets a job at its terminal event, so a service that runs for days holds
// as much as it has in flight, not a record of every job it has finished.
type recorder struct {
	mu      sync.Mutex
	out     io.Writer
	cfg     Config
	pattern string
	began   time.Time // monotonic: time.Since never goes backwards

	inFlight   map[int]jobState
	running    int
	maxRunning int
	summary    summary
	sealed     bool // the summary is written; nothing may follow it
	// interrupted: a signal cancelled the run (patterns that do not stop
	// gracefully) before the summary was written.
	interrupted bool
}

func newRecorder(out io.Writer, cfg Config, pattern string, began time.Time) *recorder {
	return &recorder{
		out:      out,
		cfg:      cfg,
		pattern:  pattern,
		began:    began,
		inFlight: make(map[int]jobState),
	}
}

// millisSince returns the time since began in ms, rounded to 3 decimals.
func millisSince(began time.Time) float64 {
	return math.Round(float64(time.Since(began))/1e3) / 1e3
}

// write prints e as a human line or a JSON object. The caller holds mu.
func (r *recorder) write(e event) {
	e.TimeMS = millisSince(r.began)
	var line []byte
	if r.cfg.JSON {
		line, _ = json.Marshal(e) // cannot fail: only strings and numbers
	} else {
		line = []byte(r.human(e))
	}
	// One Write per line, so each event reaches a pipe whole and at once.
	r.out.Write(append(line, '\n'))
}

func (r *recorder) human(e event) string {
	switch e.Event {
	case "start":
		if e.Worker == 0 {
			return fmt.Sprintf("job %d started", e.Job)
		}
		return fmt.Sprintf("worker %d processing job %d", e.Worker, e.Job)
	case "done":
		return fmt.Sprintf("job %d done: %d", e.Job, *e.Result)
	case "fail":
		return fmt.Sprintf("job %d failed: %s", e.Job, e.Error)
	case "timeout":
		return fmt.Sprintf("job %d: request timed out after %d ms", e.Job, r.cfg.TimeoutMS)
	case "cancel":
		return fmt.Sprintf("job %d cancelled", e.Job)
	case "produce":
		return fmt.Sprintf("produced %d", e.Job)
	case "consume":
		return fmt.Sprintf("consumed %d", e.Job)
	case "ready":
		return "ready: press Ctrl-C or send SIGTERM to stop"
	case "stopping":
		return fmt.Sprintf("received %s: stopping intake, draining in-flight jobs (up to %d ms)", e.Signal, r.cfg.DrainMS)
	}
	panic("harness: no human line for event " + e.Event)
}

// job returns the state of job id, submitting it if it is not in flight.
// The caller holds mu.
func (r *recorder) job(id int) jobState {
	s, ok := r.inFlight[id]
	if !ok {
		r.inFlight[id] = s
		r.summary.Submitted++
	}
	return s
}

func (r *recorder) submit(id int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sealed {
		return
	}
	r.job(id)
}

func (r *recorder) produce(id int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sealed {
		return
	}
	r.job(id)
	r.write(event{Event: "produce", Job: id})
}

func (r *recorder) consume(id, worker int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sealed {
		return
	}
	s := r.job(id)
	s.worker = worker
	r.inFlight[id] = s
	r.write(event{Event: "consume", Job: id, Worker: worker})
}

func (r *recorder) start(id, worker int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sealed {
		return
	}
	s := r.job(id)
	if s.started {
		panic(fmt.Sprintf("harness: job %d started twice", id))
	}
	s.started, s.worker = true, worker
	r.inFlight[id] = s
	r.running++
	r.maxRunning = max(r.maxRunning, r.running)
	r.write(event{Event: "start", Job: id, Worker: worker})
}

// end writes the terminal event e for job e.Job and counts it.
func (r *recorder) end(e event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sealed {
		return
	}
	r.endLocked(e)
}

func (r *recorder) endLocked(e event) {
	s := r.job(e.Job)
	delete(r.inFlight, e.Job)
	if s.started {
		r.running--
	}
	switch e.Event {
	case "done":
		r.summary.Completed++
	case "fail":
		r.summary.Failed++
	case "timeout":
		r.summary.TimedOut++
	case "cancel":
		r.summary.Cancelled++
	}
	r.write(e)
}

func (r *recorder) ready() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sealed {
		return
	}
	r.write(event{Event: "ready"})
}

// stopping calls stopIntake and announces the stop, both under the lock,
// so no event can slip in between: a job taken after stopIntake cannot have
// its start printed before the announcement, and a job cancelled by a
// zero drain cannot have its cancel printed before it.
func (r *recorder) stopping(signal string, stopIntake func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	stopIntake()
	if r.sealed {
		return
	}
	r.write(event{Event: "stopping", Signal: signal})
}

// interrupt cancels the run for the first signal and records that it did,
// unless the summary is already written: then the run is over and the
// signal changes nothing.
func (r *recorder) interrupt(cancel func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sealed {
		return
	}
	r.interrupted = true
	cancel()
}

// abort writes the summary at once, for a second signal, and reports
// whether it did. It returns false when the summary was already written:
// the run has ended by itself and its exit code stands.
func (r *recorder) abort() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sealed {
		return false
	}
	r.finishLocked()
	return true
}

// finish cancels every submitted job that has no terminal event yet (jobs
// the run never reached because it was cancelled), writes the summary and
// seals the output. It returns the summary and whether a signal
// interrupted the run before it; calling it again writes nothing and
// returns the same.
func (r *recorder) finish() (s summary, interrupted bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.sealed {
		r.finishLocked()
	}
	return r.summary, r.interrupted
}

func (r *recorder) finishLocked() {
	for _, id := range slices.Sorted(maps.Keys(r.inFlight)) {
		r.endLocked(event{Event: "cancel", Job: id, Worker: r.inFlight[id].worker})
	}
	r.summary.Event = "summary"
	r.summary.Pattern = r.pattern
	r.summary.Target = "go"
	r.summary.MaxConcurrency = r.maxRunning
	r.summary.ElapsedMS = millisSince(r.began)
	if r.cfg.JSON {
		line, _ := json.Marshal(r.summary)
		r.out.Write(append(line, '\n'))
	} else {
		s := r.summary
		fmt.Fprintf(r.out, "summary: %d submitted, %d completed, %d failed, %d timed out, %d cancelled, max concurrency %d, %d ms (%s on go)\n",
			s.Submitted, s.Completed, s.Failed, s.TimedOut, s.Cancelled, s.MaxConcurrency, int64(math.Round(s.ElapsedMS)), s.Pattern)
	}
	r.sealed = true
}
