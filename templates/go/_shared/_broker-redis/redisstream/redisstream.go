// Package redisstream carries jobs through a Redis Stream and its consumer
// group, so that producers and workers can run on many machines.
//
// A producer adds one entry per job. A worker reads entries as a member of
// the group <stream>:workers; an entry it has read stays pending, under its
// name, until it acknowledges it. So a worker that dies leaves its jobs
// pending, and another one claims them once they have been idle for
// ClaimIdle. Delivery is at least once: a job's handler may run more than
// once, never a job lost.
//
// A worker deletes each entry it acknowledges, so the stream's length is the
// backlog: the jobs not yet delivered plus the ones pending. Producers bound
// it (Buffer) instead of trimming the stream, which would drop jobs.
package redisstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Options tune a Stream; every field must be set.
type Options struct {
	// ClaimIdle is how long an entry may stay pending, untouched, before
	// its worker counts as dead and another claims it. Longer than the
	// longest job plus its wait for a free worker, or a slow job runs twice.
	ClaimIdle time.Duration
	// MaxDeliveries is how many times a job is delivered before its failure
	// sends it to the dead-letter stream <stream>:dead.
	MaxDeliveries int
	// Buffer is the backlog at which Produce waits.
	Buffer int
}

// Delivery is one job as a worker received it.
type Delivery[P any] struct {
	Job        int    // the job's id, from the entry's job field
	Payload    P      // the entry's payload field, decoded from JSON
	ID         string // the entry's id in the stream
	Deliveries int64  // how many times it was delivered, this one included
	// ClaimedFrom is the consumer this worker claimed the entry from, or ""
	// for an entry read fresh.
	ClaimedFrom string
	// Err is set when the job must not run: its last worker died on its
	// last delivery. Pass it to Fail, which sends the job to the dead letters.
	Err error

	raw  string    // the payload as the producer wrote it, for a release or a dead letter
	read time.Time // when the read or claim that delivered it was sent
}

// Stream is one stream and its consumer group, as seen by one consumer. Its
// methods may be called from several goroutines.
type Stream[P any] struct {
	client                         *redis.Client
	name, group, dead, results, me string
	opts                           Options
	block                          time.Duration // the longest wait of one read
	mu                             sync.Mutex
	held                           map[string]bool // entries handed out and not yet settled
	err                            error           // why Deliveries ended, if not by its ctx
}

// startupLimit bounds how long Open tries to reach the server: a program
// that cannot reach it should say so, not hang.
const startupLimit = 8 * time.Second

// Open connects to the server at rawURL (redis:// or rediss://) as the
// consumer named consumer, and creates the group <name>:workers, with the
// stream, if they are missing. Its error names the URL without its password.
func Open[P any](ctx context.Context, rawURL, name, consumer string, opts Options) (*Stream[P], error) {
	if opts.ClaimIdle <= 0 || opts.MaxDeliveries < 1 || opts.Buffer < 1 {
		return nil, fmt.Errorf("redisstream: need ClaimIdle > 0, MaxDeliveries >= 1 and Buffer >= 1, got %v", opts)
	}
	config, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("bad redis URL %s: %w", Redact(rawURL), err)
	}
	// Retries are this package's own, each one reported; the client's
	// silent ones would hide an outage.
	config.MaxRetries = -1
	config.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	s := &Stream[P]{
		client: redis.NewClient(config),
		name:   name, group: name + ":workers", dead: name + ":dead", results: name + ":results", me: consumer,
		opts: opts,
		// A read blocks at most this long, so that claims are checked
		// regularly. The client cannot cut a blocked read short when ctx
		// ends, so this is also how long a stop may wait for it.
		block: min(opts.ClaimIdle/2, 250*time.Millisecond),
		held:  map[string]bool{},
	}
	start, cancel := context.WithTimeout(ctx, startupLimit)
	defer cancel()
	err = s.client.XGroupCreateMkStream(start, name, s.group, "0").Err()
	if err != nil && !redis.HasErrorPrefix(err, "BUSYGROUP") {
		s.client.Close()
		return nil, fmt.Errorf("cannot reach %s: %w", Redact(rawURL), err)
	}
	return s, nil
}

// Close closes the client and its connections.
func (s *Stream[P]) Close() error { return s.client.Close() }

// Backlog returns the stream's length: the jobs not yet delivered plus the
// ones pending.
func (s *Stream[P]) Backlog(ctx context.Context) (int64, error) {
	var n int64
	err := s.retry(ctx, func() (err error) {
		n, err = s.client.XLen(ctx, s.name).Result()
		return err
	})
	return n, err
}

// backlogPoll is how often Produce looks at a full backlog again.
const backlogPoll = 25 * time.Millisecond

// Produce adds job with its payload at the end of the stream, after waiting
// while the backlog is at Buffer. It returns ctx's error if ctx ends first.
func (s *Stream[P]) Produce(ctx context.Context, job int, payload P) error {
	data, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("job %d: %w", job, err)
	}
	for {
		n, err := s.Backlog(ctx)
		if err != nil {
			return err
		} else if n < int64(s.opts.Buffer) {
			break
		}
		if err := sleep(ctx, backlogPoll); err != nil {
			return err
		}
	}
	return s.retry(ctx, func() error {
		return s.client.XAdd(ctx, &redis.XAddArgs{Stream: s.name, Values: entry(job, string(data))}).Err()
	})
}

// Deliveries returns a channel of the jobs for this consumer: entries
// idle past ClaimIdle, claimed from their dead consumer, then new ones. It
// reads one entry at a time, when the last one has been received, so a
// worker holds no more than it runs. The channel is closed once ctx is
// done; an entry read as ctx ended is released, not lost. It is also closed
// on an error that retrying cannot cure, which Err then returns.
func (s *Stream[P]) Deliveries(ctx context.Context) <-chan Delivery[P] {
	deliveries := make(chan Delivery[P])
	go func() {
		defer close(deliveries)
		var lookedForClaims time.Time
		for ctx.Err() == nil {
			var batch []Delivery[P]
			var err error
			// An entry becomes claimable only after ClaimIdle: looking once
			// per block time is soon enough, and spares a round trip per job.
			if time.Since(lookedForClaims) >= s.block {
				if batch, err = s.claim(ctx); err == nil && len(batch) == 0 {
					lookedForClaims = time.Now()
				}
			}
			if err == nil && len(batch) == 0 {
				batch, err = s.read(ctx)
			}
			if err != nil {
				if ctx.Err() == nil {
					s.mu.Lock()
					s.err = err
					s.mu.Unlock()
				}
				return
			}
			for i, d := range batch {
				if !handOver(ctx, deliveries, d) {
					for _, left := range batch[i:] {
						s.Release(context.WithoutCancel(ctx), left)
					}
					return
				}
			}
		}
	}()
	return deliveries
}

// handOver sends d unless ctx is done first.
func handOver[T any](ctx context.Context, to chan<- T, d T) bool {
	// select picks at random among ready cases: without this check an idle
	// worker could still take an entry after the stop.
	if ctx.Err() != nil {
		return false
	}
	select {
	case to <- d:
		return true
	case <-ctx.Done():
		return false
	}
}

// Err returns the error that closed the Deliveries channel, or nil if its
// ctx did.
func (s *Stream[P]) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// claim takes over one entry pending longer than ClaimIdle, if there is
// one that this worker is not running itself. XCLAIM is atomic: when two
// workers claim the same entry, one of them gets nothing back.
func (s *Stream[P]) claim(ctx context.Context) ([]Delivery[P], error) {
	// This worker's own slow jobs may be idle too: asking for one more
	// entry than it holds finds any other.
	s.mu.Lock()
	count := int64(len(s.held)) + 1
	s.mu.Unlock()
	var pending []redis.XPendingExt
	err := s.retry(ctx, func() (err error) {
		pending, err = s.client.XPendingExt(ctx, &redis.XPendingExtArgs{
			Stream: s.name, Group: s.group, Idle: s.opts.ClaimIdle, Start: "-", End: "+", Count: count,
		}).Result()
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, p := range pending {
		if s.holds(p.ID) {
			continue // a slow job this process runs, under whichever name it was claimed
		}
		sent := time.Now()
		var messages []redis.XMessage
		err := s.retry(ctx, func() (err error) {
			messages, err = s.client.XClaim(ctx, &redis.XClaimArgs{
				Stream: s.name, Group: s.group, Consumer: s.me, MinIdle: s.opts.ClaimIdle, Messages: []string{p.ID},
			}).Result()
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, m := range messages { // none if another worker claimed it first
			if d, ok := s.decode(ctx, m, sent, p.RetryCount+1); ok {
				d.ClaimedFrom = p.Consumer
				if p.RetryCount >= int64(s.opts.MaxDeliveries) {
					d.Err = fmt.Errorf("abandoned by %s after %d deliveries", p.Consumer, p.RetryCount)
				}
				return []Delivery[P]{d}, nil
			}
		}
	}
	return nil, nil
}

// read takes the next new entry, waiting for one up to the block time.
func (s *Stream[P]) read(ctx context.Context) ([]Delivery[P], error) {
	sent := time.Now()
	var streams []redis.XStream
	err := s.retry(ctx, func() (err error) {
		streams, err = s.client.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: s.group, Consumer: s.me, Streams: []string{s.name, ">"}, Count: 1, Block: s.block,
		}).Result()
		if errors.Is(err, redis.Nil) {
			return nil // nothing new within the block time
		}
		return err
	})
	var fresh []Delivery[P]
	for _, stream := range streams {
		for _, m := range stream.Messages {
			if d, ok := s.decode(ctx, m, sent, 1); ok {
				fresh = append(fresh, d)
			}
		}
	}
	return fresh, err
}

// decode turns an entry into a Delivery and counts it as held. An entry
// that cannot be decoded can never run: it goes to the dead letters at once.
func (s *Stream[P]) decode(ctx context.Context, m redis.XMessage, read time.Time, deliveries int64) (Delivery[P], bool) {
	d := Delivery[P]{ID: m.ID, Deliveries: deliveries, read: read}
	d.raw, _ = m.Values["payload"].(string)
	job, _ := m.Values["job"].(string)
	var err error
	if d.Job, err = strconv.Atoi(job); err != nil {
		err = fmt.Errorf("entry %s: bad job field %q", m.ID, job)
	} else if err = json.Unmarshal([]byte(d.raw), &d.Payload); err != nil {
		err = fmt.Errorf("entry %s: bad payload: %w", m.ID, err)
	}
	if err != nil {
		s.settle(context.WithoutCancel(ctx), d.ID, s.dead, s.deadLetter(job, d.raw, err, deliveries))
		return d, false
	}
	s.mu.Lock()
	s.held[d.ID] = true
	s.mu.Unlock()
	return d, true
}

// Ack records result as the job's result in the hash <stream>:results, then
// acknowledges and deletes the entry. It reports false when the entry was no
// longer pending: another worker, which claimed it while this one was slow,
// acknowledged it first. It waits for a lost connection to come back, as the
// job is done and its acknowledgement is owed.
func (s *Stream[P]) Ack(ctx context.Context, d Delivery[P], result string) (bool, error) {
	err := s.retry(ctx, func() error { return s.client.HSet(ctx, s.results, strconv.Itoa(d.Job), result).Err() })
	if err != nil {
		return false, err
	}
	acked, retried, err := s.settle(ctx, d.ID, s.name, nil)
	if err != nil {
		return false, err
	}
	// When a try failed with its reply lost, the server may have run it:
	// then the retry finds nothing to acknowledge. If no other worker could
	// have claimed the entry yet, that acknowledgement was this one's.
	ours := acked || retried && time.Since(d.read) < s.opts.ClaimIdle
	return ours, nil
}

// Fail leaves a failed job pending, to be claimed again after ClaimIdle by
// any worker, this one included; on its MaxDeliveries-th delivery it moves
// the job to the dead-letter stream <stream>:dead with cause, and reports
// true.
func (s *Stream[P]) Fail(ctx context.Context, d Delivery[P], cause error) (dead bool, err error) {
	if d.Deliveries < int64(s.opts.MaxDeliveries) && d.Err == nil {
		s.forget(d.ID)
		return false, nil
	}
	dead, _, err = s.settle(ctx, d.ID, s.dead, s.deadLetter(strconv.Itoa(d.Job), d.raw, cause, d.Deliveries))
	return dead, err
}

// Release hands back a job that was delivered but never started, as a new
// entry at the end of the stream, so that a stop does not delay it by
// ClaimIdle.
func (s *Stream[P]) Release(ctx context.Context, d Delivery[P]) error {
	_, _, err := s.settle(ctx, d.ID, s.name, entry(d.Job, d.raw))
	return err
}

// settleScript acknowledges entry ARGV[2] of stream KEYS[1] for group
// ARGV[1] and, only if it was still pending, adds the entry ARGV[3..] to
// stream KEYS[2] (when given) and deletes the old one. So a worker whose job
// another one completed meanwhile can neither add it back nor dead-letter it
// twice. It returns what XACK returned.
var settleScript = redis.NewScript(`
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if acked == 1 then
	if #ARGV > 2 then
		redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
	end
	redis.call('XDEL', KEYS[1], ARGV[2])
end
return acked
`)

// settle acknowledges and deletes entry id, first adding fields, if any, as
// a new entry of stream to, all in one script. It reports whether this call
// acknowledged the entry, and whether it took more than one try.
func (s *Stream[P]) settle(ctx context.Context, id, to string, fields []any) (acked, retried bool, err error) {
	defer s.forget(id)
	tries := 0
	err = s.retry(ctx, func() error {
		tries++
		n, err := settleScript.Run(ctx, s.client, []string{s.name, to}, append([]any{s.group, id}, fields...)...).Int64()
		acked = n == 1
		return err
	})
	return acked, tries > 1, err
}

func (s *Stream[P]) holds(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held[id]
}

func (s *Stream[P]) forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.held, id)
}

// entry is a job's fields in the wire format every target shares.
func entry(job int, payload string) []any {
	return []any{"job", strconv.Itoa(job), "payload", payload}
}

func (s *Stream[P]) deadLetter(job, payload string, cause error, deliveries int64) []any {
	return []any{"job", job, "payload", payload, "error", cause.Error(), "deliveries", deliveries, "consumer", s.me}
}

// Redact returns rawURL with its password, if any, replaced by ***.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "<unparsable URL>" // it may hold a password where a parser cannot find it
	}
	if _, ok := u.User.Password(); !ok {
		return rawURL
	}
	// Cut the text as written: url.UserPassword would escape the stars, and
	// the password may be escaped differently from how Password returns it.
	scheme, rest, _ := strings.Cut(rawURL, "://")
	authority, path, _ := strings.Cut(rest, "/")
	at := strings.LastIndex(authority, "@")
	user, _, _ := strings.Cut(authority[:at], ":")
	redacted := scheme + "://" + user + ":***" + authority[at:]
	if strings.Contains(rest, "/") {
		redacted += "/" + path
	}
	return redacted
}
