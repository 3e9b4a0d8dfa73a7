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
// A read whose reply is lost on a dropped connection has delivered its
// entries all the same, to a worker that never saw them. That worker takes
// them back before its next read: they are lost in flight, not abandoned,
// and need not wait for ClaimIdle. So does a claim whose reply is lost.
//
// A worker deletes each entry it acknowledges, so the stream's length is the
// backlog: the jobs not yet delivered plus the ones pending. Producers bound
// it (Buffer) instead of trimming the stream, which would drop jobs.
package redisstream

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Options tune a Stream; every field must be set.
type Options struct {
	// ClaimIdle is how long an entry may stay pending, untouched, before
	// its worker counts as dead and another claims it. Longer than the
	// longest job, or a slow job runs twice.
	ClaimIdle time.Duration
	// MaxDeliveries is how many times a job is delivered before its failure
	// sends it to the dead-letter stream <stream>:dead.
	MaxDeliveries int
	// Buffer is the backlog at which Produce waits.
	Buffer int
	// Capacity is how many jobs this consumer runs at once. It holds no
	// more deliveries than that: an entry read ahead of a free worker would
	// age toward ClaimIdle in the process, and a peer would claim and run it
	// a second time.
	Capacity int
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
	// last delivery, or its entry cannot be decoded (Job is then 0). Pass it
	// to Fail, which sends the job to the dead letters.
	Err error

	rawJob, raw string    // the fields as the producer wrote them, for a release or a dead letter
	read        time.Time // when the read or claim that delivered it was sent
}

// Stream is one stream and its consumer group, as seen by one consumer. Its
// methods may be called from several goroutines.
type Stream[P any] struct {
	client *redis.Client
	// reader serves Deliveries alone: it is closed when Deliveries' ctx
	// ends, which cuts a read in flight short. The client would wait for
	// its reply up to the block time plus 10 s, however long the server
	// stays unresponsive.
	reader                         *redis.Client
	name, group, dead, results, me string
	opts                           Options
	block                          time.Duration // the longest wait of one read
	// producerKey holds the number of this producer's last add: a retry of
	// an add whose reply was lost finds its number there and adds nothing.
	producerKey string
	produces    atomic.Int64 // numbers the calls of Produce

	mu sync.Mutex
	// held has the entries handed out and not yet settled: true while one
	// takes a slot of Capacity, false once its settlement is queued.
	held     map[string]bool
	occupied int           // how many of held take a slot
	freed    chan struct{} // a slot came free; one waiter, the reader
	err      error         // why Deliveries ended, if not by its ctx
	// lostRead is when the earliest read or claim whose reply was lost, and
	// whose entries may not all be taken back yet, was sent; zero if none.
	// An entry pending to this consumer since then is one of theirs. The
	// Deliveries goroutine alone uses it.
	lostRead time.Time
	// queue has the settlements waiting for the settler goroutine, which
	// sends them together; queued tells it there are some.
	queue        []*settlement
	queued       chan struct{}
	settling     context.Context // ends at Close
	stopSettling context.CancelFunc
	settled      chan struct{}
}

// lostReadSlack is allowed for the server's clock against this process's
// when telling a lost read's entries by how long they have been idle.
const lostReadSlack = time.Second

// startupLimit bounds how long Open tries to reach the server: a program
// that cannot reach it should say so, not hang.
const startupLimit = 5 * time.Second

// Open connects to the server at rawURL (redis:// or rediss://) as the
// consumer named consumer, and creates the group <name>:workers, with the
// stream, if they are missing. Its error names the URL without its password.
// When ctx ends first, Open returns at once with ctx's error: a stop, not an
// outage.
func Open[P any](ctx context.Context, rawURL, name, consumer string, opts Options) (*Stream[P], error) {
	if opts.ClaimIdle <= 0 || opts.MaxDeliveries < 1 || opts.Buffer < 1 || opts.Capacity < 1 {
		return nil, fmt.Errorf("redisstream: need ClaimIdle > 0 and MaxDeliveries, Buffer, Capacity >= 1, got %+v", opts)
	}
	config, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("bad redis URL %s: %w", Redact(rawURL), err)
	}
	// Retries are this package's own, each one reported; the client's
	// silent ones (of a command, of a dial) would hide an outage.
	config.MaxRetries = -1
	config.DialerRetries = 1
	config.Dialer = unchecked(redis.NewDialer(config))
	config.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	token := make([]byte, 8)
	rand.Read(token)
	s := &Stream[P]{
		client: redis.NewClient(config), reader: redis.NewClient(config),
		name: name, group: name + ":workers", dead: name + ":dead", results: name + ":results", me: consumer,
		producerKey: name + ":producer:" + hex.EncodeToString(token),
		opts:        opts,
		// A read blocks at most this long, so that claims are checked
		// regularly.
		block:  min(opts.ClaimIdle/2, 250*time.Millisecond),
		held:   map[string]bool{},
		freed:  make(chan struct{}, 1),
		queued: make(chan struct{}, 1), settled: make(chan struct{}),
	}
	// A stop closes the client, which cuts short a connection or a reply in
	// flight: the client would wait for either up to its dial or read timeout.
	unhook := context.AfterFunc(ctx, func() { s.client.Close() })
	err = s.createGroupWithin(ctx, startupLimit)
	unhook()
	if err != nil || ctx.Err() != nil {
		s.client.Close()
		s.reader.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("cannot reach %s: %w", Redact(rawURL), err)
	}
	s.settling, s.stopSettling = context.WithCancel(context.WithoutCancel(ctx))
	go s.settleQueued()
	return s, nil
}

// unchecked makes dial's connections opaque to the pool's health check,
// which would replace one that the server dropped while it was idle without
// a word. Used instead, it fails the next command, and retry reports the
// lost connection and dials again. It also spares a system call per command.
func unchecked(dial func(context.Context, string, string) (net.Conn, error)) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return opaqueConn{conn}, nil
	}
}

// opaqueConn is a net.Conn without its file descriptor (syscall.Conn).
type opaqueConn struct{ net.Conn }

// Close closes the connections, which cuts the commands in flight short:
// the settlements not yet settled then fail, their entries left pending, as
// does one queued after Close. Call it once the settlements waited for have
// ended.
func (s *Stream[P]) Close() error {
	s.stopSettling()
	err := s.client.Close()
	s.reader.Close() // closed already if Deliveries' ctx ended
	<-s.settled
	return err
}

// leaveScript deletes consumer ARGV[2] from group ARGV[1] of stream KEYS[1]
// only while it holds no pending entry: deleting it would drop them.
var leaveScript = redis.NewScript(`
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) == 0 then
	redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
end
return 0
`)

// Leave removes this consumer from the group if it holds no pending entry,
// so that the group does not list every worker that ever ran. One try: a
// consumer left behind is harmless. It returns ctx's error once ctx ends,
// but the client cannot cut the command short: Close does.
func (s *Stream[P]) Leave(ctx context.Context) error {
	left := make(chan error, 1)
	go func() { left <- leaveScript.Run(ctx, s.client, []string{s.name}, s.group, s.me).Err() }()
	select {
	case err := <-left:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

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

// backlogPoll is how often Produce tries again while the backlog is full.
const backlogPoll = 25 * time.Millisecond

// produceScript adds the entry ARGV[3..] to stream KEYS[1] only while the
// stream is shorter than ARGV[1]: checked and added at once, so that
// producers racing for the last free place cannot pass the buffer together.
// ARGV[2] numbers the add among its producer's, recorded in KEYS[2]: a
// retry of an add that went through, its reply lost, finds it there. The
// key expires, so that a producer that died leaves nothing behind.
var produceScript = redis.NewScript(`
if redis.call('GET', KEYS[2]) == ARGV[2] then return 1 end
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
redis.call('SET', KEYS[2], ARGV[2], 'EX', 86400)
return 1
`)

// Produce adds job with its payload at the end of the stream, after waiting
// while the backlog is at Buffer. It returns ctx's error if ctx ends first.
func (s *Stream[P]) Produce(ctx context.Context, job int, payload P) error {
	data, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("job %d: %w", job, err)
	}
	number := strconv.FormatInt(s.produces.Add(1), 10)
	args := append([]any{s.opts.Buffer, number}, entry(job, string(data))...)
	for {
		var added bool
		err := s.retry(ctx, func() error {
			n, err := produceScript.Run(ctx, s.client, []string{s.name, s.producerKey}, args...).Int()
			added = n == 1
			return err
		})
		if err != nil || added {
			return err
		}
		if err := sleep(ctx, backlogPoll); err != nil {
			return err
		}
	}
}

// Deliveries returns a channel of the jobs for this consumer: the entries
// of a read whose reply was lost, as read; entries idle past ClaimIdle,
// claimed from their dead consumer; then new ones. It reads only for free
// capacity, a batch at a time: while the consumer holds Capacity
// deliveries it waits for a settlement to free a slot. The channel
// is closed once ctx is done; the entries read and not yet received then
// are released, not lost. It is also closed on an error that retrying
// cannot cure, which Err then returns. Call it once: the end of ctx closes
// the connection it reads on.
func (s *Stream[P]) Deliveries(ctx context.Context) <-chan Delivery[P] {
	deliveries := make(chan Delivery[P])
	cut := context.AfterFunc(ctx, func() { s.reader.Close() })
	go func() {
		defer close(deliveries)
		defer cut()
		var lookedForClaims time.Time
		for {
			free := s.awaitFreeSlots(ctx)
			if free == 0 {
				return
			}
			var batch []Delivery[P]
			var err error
			if !s.lostRead.IsZero() {
				batch, err = s.recoverLostReads(ctx, free)
			}
			// An entry becomes claimable only after ClaimIdle: looking once
			// per block time is soon enough, and spares a round trip per batch.
			if err == nil && len(batch) == 0 && time.Since(lookedForClaims) >= s.block {
				if batch, err = s.claimIdle(ctx, free); err == nil && len(batch) == 0 {
					lookedForClaims = time.Now()
				}
			}
			// A claim whose reply was lost has left entries pending here:
			// the next pass takes them back before anything new is read.
			if err == nil && len(batch) == 0 && s.lostRead.IsZero() {
				batch, err = s.read(ctx, free)
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
					var releasing sync.WaitGroup
					for _, left := range batch[i:] {
						releasing.Add(1)
						s.ReleaseAsync(context.WithoutCancel(ctx), left, func(error) { releasing.Done() })
					}
					releasing.Wait()
					return
				}
			}
		}
	}()
	return deliveries
}

// awaitFreeSlots returns how many more deliveries the consumer can hold,
// waiting while it is none, or 0 once ctx is done.
func (s *Stream[P]) awaitFreeSlots(ctx context.Context) int {
	for ctx.Err() == nil {
		s.mu.Lock()
		free := s.opts.Capacity - s.occupied
		s.mu.Unlock()
		if free > 0 {
			return free
		}
		select {
		case <-s.freed:
		case <-ctx.Done():
		}
	}
	return 0
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

// claimIdle takes over up to free entries pending longer than ClaimIdle
// that this worker is not running itself.
func (s *Stream[P]) claimIdle(ctx context.Context, free int) ([]Delivery[P], error) {
	pending, _, err := s.listPending(ctx, free, redis.XPendingExtArgs{Idle: s.opts.ClaimIdle, Start: "-", End: "+"})
	if err != nil {
		return nil, err
	}
	var abandoned []redis.XPendingExt
	for _, p := range pending {
		// One this process runs is slow, not abandoned, whichever name it
		// was claimed under.
		if !s.holds(p.ID) && len(abandoned) < free {
			abandoned = append(abandoned, p)
		}
	}
	claimed, _, err := s.claim(ctx, abandoned, func(redis.XPendingExt) time.Duration { return s.opts.ClaimIdle }, false)
	return claimed, err
}

// recoverLostReads takes back, for up to free slots, the entries that reads
// or claims whose reply was lost delivered: pending to this consumer, not
// held, and idle no longer than since the earliest of those was sent. One idle
// longer was left pending on purpose, or by an earlier process of the same
// name: it waits for ClaimIdle, as it always did. Once fewer than free are
// found, none is left.
func (s *Stream[P]) recoverLostReads(ctx context.Context, free int) ([]Delivery[P], error) {
	var lost []redis.XPendingExt
	args := redis.XPendingExtArgs{Start: "-", End: "+", Consumer: s.me}
	for len(lost) < free {
		page, full, err := s.listPending(ctx, free, args)
		if err != nil {
			return nil, err
		}
		// Taken once the listing is back: the server measured the idle
		// times no later than now.
		since := time.Since(s.lostRead) + lostReadSlack
		for _, p := range page {
			if !s.holds(p.ID) && p.Idle <= since {
				lost = append(lost, p)
			}
		}
		if !full {
			break
		}
		// The lost reads' entries are the newest: the older or held ones
		// listed first must not hide them.
		args.Start = "(" + page[len(page)-1].ID
	}
	found := len(lost)
	lost = lost[:min(found, free)]
	// Each entry at its own listed idle, not the least of them: one the
	// listing found older than the lost read's (left pending within the
	// slack) may be past ClaimIdle, and another worker that claims it after
	// the listing has reset its idle below what was listed. A smaller
	// min-idle would take it back, and the job would run twice at once.
	recovered, claimLost, err := s.claim(ctx, lost, func(p redis.XPendingExt) time.Duration { return p.Idle }, true)
	// Only a complete pass may forget the lost reads: one cut short, or
	// whose claim's reply was lost (its entries pending here, their idle
	// reset), leaves entries for the next pass to find.
	if err == nil && !claimLost && found < free {
		s.lostRead = time.Time{}
	}
	switch n := len(recovered); n {
	case 0:
	case 1:
		fmt.Fprintln(os.Stderr, "redis: a read's reply was lost; recovered 1 entry it delivered")
	default:
		fmt.Fprintf(os.Stderr, "redis: a read's reply was lost; recovered %d entries it delivered\n", n)
	}
	return recovered, err
}

// listPending lists the entries pending as args selects, from args.Start
// on: as many as this process holds, which may be among them, plus free.
// full tells whether more may follow.
func (s *Stream[P]) listPending(ctx context.Context, free int, args redis.XPendingExtArgs) (pending []redis.XPendingExt, full bool, err error) {
	s.mu.Lock()
	args.Count = int64(free + len(s.held))
	s.mu.Unlock()
	args.Stream, args.Group = s.name, s.group
	err = s.retry(ctx, func() (err error) {
		pending, err = s.reader.XPendingExt(ctx, &args).Result()
		return err
	})
	return pending, int64(len(pending)) == args.Count, err
}

// claim takes over the entries pending, each one only while it is still idle
// for minIdle of it, and hands them out. XCLAIM is atomic: of an entry that
// two workers claim at once, only one gets it back. The entries of a read
// whose reply was lost (lostRead) are this worker's own: they go out as
// read, not as claimed from anyone, but one on its last delivery is
// abandoned all the same.
//
// An XCLAIM whose reply is lost has made its entries this worker's all the
// same, their idle reset: sent again, it would take none of them back. It
// is not, and lost reports it: its send time becomes the lost read's, so
// that the next pass recovers them. An idle claim's entries then go out as
// this worker's own, without their ClaimedFrom: it is only a report, and
// the job is run all the same.
func (s *Stream[P]) claim(ctx context.Context, pending []redis.XPendingExt, minIdle func(redis.XPendingExt) time.Duration, lostRead bool) (claimed []Delivery[P], lost bool, err error) {
	// One XCLAIM per min-idle, in the order listed. The entries of one read
	// share their idle time: usually there is one.
	var idles []time.Duration
	groups := map[time.Duration][]string{}
	listed := map[string]redis.XPendingExt{}
	for _, p := range pending {
		idle := minIdle(p)
		if _, ok := groups[idle]; !ok {
			idles = append(idles, idle)
		}
		groups[idle] = append(groups[idle], p.ID)
		listed[p.ID] = p
	}
	for _, idle := range idles {
		messages, sent, replyLost, err := s.claimOnce(ctx, groups[idle], idle)
		lost = lost || replyLost
		for _, m := range messages { // without the ones another worker claimed first
			p, ok := listed[m.ID]
			if !ok {
				continue
			}
			d := s.decode(m, sent, p.RetryCount+1)
			if !lostRead {
				d.ClaimedFrom = p.Consumer
			}
			if d.Err == nil && p.RetryCount >= int64(s.opts.MaxDeliveries) {
				d.Err = fmt.Errorf("abandoned by %s after %d deliveries", p.Consumer, p.RetryCount)
			}
			claimed = append(claimed, d)
		}
		if err != nil {
			return claimed, lost, err
		}
	}
	return claimed, lost, nil
}

// claimOnce claims ids, those still idle for minIdle, retrying as read does:
// a try whose reply is lost is not sent again, and lost reports it.
func (s *Stream[P]) claimOnce(ctx context.Context, ids []string, minIdle time.Duration) (messages []redis.XMessage, sent time.Time, lost bool, err error) {
	err = s.retry(ctx, func() error {
		if lost {
			return nil
		}
		sent = time.Now()
		reply, err := s.reader.XClaim(ctx, &redis.XClaimArgs{
			Stream: s.name, Group: s.group, Consumer: s.me, MinIdle: minIdle, Messages: ids,
		}).Result()
		if err == nil {
			messages = reply
		} else if replyLost(err) && ctx.Err() == nil {
			// After a stop, no pass follows to take them back: they wait
			// for ClaimIdle.
			lost = true
			if s.lostRead.IsZero() {
				s.lostRead = sent
			}
		}
		return err
	})
	return messages, sent, lost, err
}

// read takes up to free new entries, waiting for one up to the block time.
// A try whose reply is lost may have delivered entries all the same: it is
// not sent again, so that the next pass takes those back first.
func (s *Stream[P]) read(ctx context.Context, free int) ([]Delivery[P], error) {
	var sent time.Time
	var streams []redis.XStream
	lost := false
	err := s.retry(ctx, func() error {
		if lost {
			return nil
		}
		sent = time.Now()
		reply, err := s.reader.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: s.group, Consumer: s.me, Streams: []string{s.name, ">"}, Count: int64(free), Block: s.block,
		}).Result()
		switch {
		case err == nil:
			streams = reply
		case errors.Is(err, redis.Nil):
			return nil // nothing new within the block time
		case replyLost(err) && ctx.Err() == nil:
			// After a stop, no read follows to take its entries back: they
			// wait for ClaimIdle.
			lost = true
			if s.lostRead.IsZero() {
				s.lostRead = sent
			}
		}
		return err
	})
	var fresh []Delivery[P]
	for _, stream := range streams {
		for _, m := range stream.Messages {
			fresh = append(fresh, s.decode(m, sent, 1))
		}
	}
	return fresh, err
}

// decode turns an entry into a Delivery that takes a slot. An entry that
// cannot be decoded can never run: its Err says so, and its Fail sends it to
// the dead letters, as it does a job on its last delivery.
func (s *Stream[P]) decode(m redis.XMessage, read time.Time, deliveries int64) Delivery[P] {
	d := Delivery[P]{ID: m.ID, Deliveries: deliveries, read: read}
	d.raw, _ = m.Values["payload"].(string)
	d.rawJob, _ = m.Values["job"].(string)
	if job, err := strconv.Atoi(d.rawJob); err != nil {
		d.Err = fmt.Errorf("entry %s: bad job field %q", m.ID, d.rawJob)
	} else if err := json.Unmarshal([]byte(d.raw), &d.Payload); err != nil {
		d.Err = fmt.Errorf("entry %s: bad payload: %w", m.ID, err)
	} else {
		d.Job = job
	}
	s.mu.Lock()
	s.held[d.ID] = true
	s.occupied++
	s.mu.Unlock()
	return d
}

// Ack records result as the job's result in the hash <stream>:results, then
// acknowledges and deletes the entry, in one step. It reports false when the
// entry was no longer pending: another worker, which claimed it while this
// one was slow, acknowledged it first. It waits for a lost connection to
// come back, as the job is done and its acknowledgement is owed.
func (s *Stream[P]) Ack(ctx context.Context, d Delivery[P], result string) (bool, error) {
	return await(func(then func(bool, error)) { s.AckAsync(ctx, d, result, then) })
}

// AckAsync is Ack without the wait: it frees d's slot at once, and calls
// then with Ack's results once the entry is settled, or ctx has ended. Acks
// queued while one is in flight go together in the next round trip.
func (s *Stream[P]) AckAsync(ctx context.Context, d Delivery[P], result string, then func(acked bool, err error)) {
	s.settle(ctx, &settlement{id: d.ID, job: strconv.Itoa(d.Job), result: result, then: func(o settled) {
		then(s.ackedHere(d, o), o.err)
	}})
}

// ackedHere tells whether d's settlement acknowledged its entry. When a try
// failed with its reply lost, the server may have run it: then the retry
// finds nothing to acknowledge. If no other worker could have claimed the
// entry yet, that acknowledgement was this one's.
func (s *Stream[P]) ackedHere(d Delivery[P], o settled) bool {
	return o.acked || o.err == nil && o.retried && time.Since(d.read) < s.opts.ClaimIdle
}

// Fail leaves a failed job pending, to be claimed again after ClaimIdle by
// any worker, this one included; on its MaxDeliveries-th delivery it moves
// the job to the dead-letter stream <stream>:dead with cause, and reports
// true.
func (s *Stream[P]) Fail(ctx context.Context, d Delivery[P], cause error) (dead bool, err error) {
	return await(func(then func(bool, error)) { s.FailAsync(ctx, d, cause, then) })
}

// FailAsync is Fail without the wait: it frees d's slot at once, and calls
// then with Fail's results once the job is settled, or ctx has ended.
func (s *Stream[P]) FailAsync(ctx context.Context, d Delivery[P], cause error, then func(dead bool, err error)) {
	if d.Deliveries < int64(s.opts.MaxDeliveries) && d.Err == nil {
		s.LeavePending(d)
		then(false, nil)
		return
	}
	fields := s.deadLetter(d.rawJob, d.raw, cause, d.Deliveries)
	s.settle(ctx, &settlement{id: d.ID, to: s.dead, fields: fields, then: func(o settled) { then(s.ackedHere(d, o), o.err) }})
}

// Release hands back a job that was delivered but never started, as a new
// entry at the end of the stream, so that a stop does not delay it by
// ClaimIdle.
func (s *Stream[P]) Release(ctx context.Context, d Delivery[P]) error {
	_, err := await(func(then func(bool, error)) {
		s.ReleaseAsync(ctx, d, func(err error) { then(false, err) })
	})
	return err
}

// ReleaseAsync is Release without the wait: it frees d's slot at once, and
// calls then once the job is back in the stream, or ctx has ended.
func (s *Stream[P]) ReleaseAsync(ctx context.Context, d Delivery[P], then func(err error)) {
	s.settle(ctx, &settlement{id: d.ID, to: s.name, fields: []any{"job", d.rawJob, "payload", d.raw}, then: func(o settled) { then(o.err) }})
}

// await starts an asynchronous settlement and waits for its results.
func await(start func(then func(bool, error))) (bool, error) {
	type results struct {
		ok  bool
		err error
	}
	settled := make(chan results, 1)
	start(func(ok bool, err error) { settled <- results{ok, err} })
	r := <-settled
	return r.ok, r.err
}

// LeavePending frees d's slot and leaves its entry pending, for a worker to
// claim after ClaimIdle: a job cut short must not be acknowledged.
func (s *Stream[P]) LeavePending(d Delivery[P]) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vacate(d.ID)
	delete(s.held, d.ID)
}

// vacate frees id's slot, once. s.mu must be held.
func (s *Stream[P]) vacate(id string) {
	if s.held[id] {
		s.held[id] = false
		s.occupied--
		select {
		case s.freed <- struct{}{}:
		default: // the reader has been told already
		}
	}
}

func (s *Stream[P]) holds(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.held[id]
	return ok
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
