package redisstream

import (
	"context"
	"slices"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// settlement is one entry to settle: record result as job's result when
// job is set, acknowledge the entry id and, only if that acknowledged it,
// add fields (when set) as a new entry of the stream to and delete id.
type settlement struct {
	id, job, result string
	to              string
	fields          []any
	ctx             context.Context // the caller's: once it ends, the entry is no longer sent
	then            func(settled)   // called once, by finish
	finished        atomic.Bool
	stopWatching    func() bool // ends the watch on ctx; for the settler only
}

type settled struct {
	acked, retried bool
	err            error
}

// maxBatch bounds the entries of one script call, so that one call never
// holds the server long.
const maxBatch = 256

// settleScript settles a batch of entries of stream KEYS[1] for group
// ARGV[1]. Each entry is ARGV[i..]: id, job, result, which stream gets its
// new entry (1 the stream, 2 the dead letters), the number n of that
// entry's fields, then the fields. Every result is recorded before any
// acknowledgement, so that an acknowledged job always has its result; a new
// entry is added only if the acknowledgement took the old one, so that a
// worker whose job another completed meanwhile can neither add it back nor
// dead-letter it twice. Results and deletions go in one command each: a
// command's own cost in a script is as much as deleting an entry. It
// returns what XACK returned for each entry. A script's writes are not
// undone by a later error, so it checks the keys' types before any write:
// one of the wrong type fails the whole batch, its entries still pending,
// instead of leaving some acknowledged and never deleted.
var settleScript = redis.NewScript(`
for i, want in ipairs({'stream', 'stream', 'hash'}) do
	local t = redis.call('TYPE', KEYS[i]).ok
	if t ~= 'none' and t ~= want then
		return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' is a ' .. t .. ', not a ' .. want)
	end
end
local results, acked, deleted = {}, {}, {}
local i = 2
while i <= #ARGV do
	if ARGV[i + 1] ~= '' then
		results[#results + 1] = ARGV[i + 1]
		results[#results + 1] = ARGV[i + 2]
	end
	i = i + 5 + tonumber(ARGV[i + 4])
end
if #results > 0 then
	redis.call('HSET', KEYS[3], unpack(results))
end
i = 2
while i <= #ARGV do
	local id, to, n = ARGV[i], tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
	local ok = redis.call('XACK', KEYS[1], ARGV[1], id)
	if ok == 1 then
		if n > 0 then
			redis.call('XADD', KEYS[to], '*', unpack(ARGV, i + 5, i + 4 + n))
		end
		deleted[#deleted + 1] = id
	end
	acked[#acked + 1] = ok
	i = i + 5 + n
end
if #deleted > 0 then
	redis.call('XDEL', KEYS[1], unpack(deleted))
end
return acked
`)

// settle queues st for the settler goroutine and frees its entry's slot.
// Settlements queued while a call is in flight go together in the next
// one, so batches grow with the load and a lone one still takes one round
// trip. st.then gets the outcome once the entry is settled, ctx has ended
// (the entry then stays pending unless a try in flight settles it), or the
// stream is closed.
func (s *Stream[P]) settle(ctx context.Context, st *settlement) {
	then := st.then
	st.ctx, st.then = ctx, func(o settled) {
		s.mu.Lock()
		s.vacate(st.id) // a ctx already done may finish it before it is queued
		delete(s.held, st.id)
		s.mu.Unlock()
		then(o)
	}
	st.stopWatching = context.AfterFunc(ctx, func() { st.finish(settled{err: ctx.Err()}) })
	s.mu.Lock()
	s.queue = append(s.queue, st)
	s.vacate(st.id)
	s.mu.Unlock()
	select {
	case s.queued <- struct{}{}:
	default: // the settler has been told already
	}
}

// finish hands st its outcome, unless it has had one.
func (st *settlement) finish(o settled) {
	if st.finished.CompareAndSwap(false, true) {
		st.then(o)
	}
}

// settledBy hands st the settler's outcome, and stops watching its ctx.
func (st *settlement) settledBy(o settled) {
	st.stopWatching()
	st.finish(o)
}

// settleQueued is the settler: it sends what is queued, up to maxBatch at a
// time, until Close.
func (s *Stream[P]) settleQueued() {
	defer close(s.settled)
	for {
		select {
		case <-s.queued:
		case <-s.settling.Done():
			s.mu.Lock()
			left := s.queue
			s.queue = nil
			s.mu.Unlock()
			for _, st := range left {
				st.settledBy(settled{err: redis.ErrClosed})
			}
			return
		}
		for {
			s.mu.Lock()
			batch := s.queue[:min(len(s.queue), maxBatch)]
			s.queue = s.queue[len(batch):]
			s.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			s.settleBatch(batch)
		}
	}
}

// settleBatch settles batch in one script call, retried as one, and hands
// each entry its outcome. An entry whose caller stopped waiting is dropped
// before a try: it stays pending, as the caller was told.
func (s *Stream[P]) settleBatch(batch []*settlement) {
	tries := 0
	var acked []int64
	err := s.retry(s.settling, func() error {
		batch = slices.DeleteFunc(batch, func(st *settlement) bool { return st.finished.Load() })
		if len(batch) == 0 {
			return nil
		}
		tries++
		args := []any{s.group}
		for _, st := range batch {
			to := "1"
			if st.to == s.dead {
				to = "2"
			}
			args = append(append(args, st.id, st.job, st.result, to, len(st.fields)), st.fields...)
		}
		var err error
		acked, err = settleScript.Run(s.settling, s.client, []string{s.name, s.dead, s.results}, args...).Int64Slice()
		return err
	})
	for i, st := range batch {
		if err != nil {
			st.settledBy(settled{err: err})
		} else {
			st.settledBy(settled{acked: acked[i] == 1, retried: tries > 1})
		}
	}
}
