package redisstream

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The backoff between tries of a command that met a lost connection: it
// doubles from firstBackoff up to maxBackoff, and each wait is drawn at
// random below it (full jitter), so that workers cut off together do not
// come back together.
const (
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = 5 * time.Second
)

// retry runs command until it succeeds, fails for good, or ctx ends. Each
// retry is reported on stderr: an outage is visible, and a job held through
// it is not dropped.
func (s *Stream[P]) retry(ctx context.Context, command func() error) error {
	for backoff := firstBackoff; ; backoff = min(2*backoff, maxBackoff) {
		err := command()
		if err == nil || ctx.Err() != nil {
			return err
		}
		// A read blocked when the stream was deleted ends UNBLOCKED; the
		// next command would meet NOGROUP.
		if redis.HasErrorPrefix(err, "NOGROUP") || redis.HasErrorPrefix(err, "UNBLOCKED") {
			if err = s.recreateGroup(ctx, err); err == nil {
				continue
			}
		}
		if !transient(err) {
			return err
		}
		wait := rand.N(backoff)
		fmt.Fprintf(os.Stderr, "redis: %v; retrying in %d ms\n", err, wait.Milliseconds())
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// recreateGroup creates the group again after a command found it missing
// (lost): the server restarted without persistence or was flushed, so the
// jobs it held are gone, but the ones produced from now on must still be
// read. It reports lost on stderr, and returns nil once the group exists.
func (s *Stream[P]) recreateGroup(ctx context.Context, lost error) error {
	fmt.Fprintf(os.Stderr, "redis: %v; creating the group %s again\n", lost, s.group)
	return s.createGroup(ctx)
}

// createGroup creates the stream and its group unless the group exists.
func (s *Stream[P]) createGroup(ctx context.Context) error {
	err := s.client.XGroupCreateMkStream(ctx, s.name, s.group, "0").Err()
	if redis.HasErrorPrefix(err, "BUSYGROUP") {
		return nil
	}
	return err
}

// createGroupWithin creates the group, trying again while the server
// cannot be reached, for at most limit. The tries are quiet: a server
// starting alongside is no news, and one that never comes is reported once,
// by the caller, with the last reason it could not be reached.
func (s *Stream[P]) createGroupWithin(ctx context.Context, limit time.Duration) error {
	tries, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var unreachable error
	for backoff := firstBackoff; ; backoff = min(2*backoff, maxBackoff) {
		err := s.createGroup(tries)
		switch {
		case err == nil:
			return nil
		case tries.Err() != nil && ctx.Err() == nil && unreachable != nil:
			// The limit cut this try short: why the ones before failed says more.
			return unreachable
		case !transient(err):
			return err
		}
		unreachable = err
		if sleep(tries, rand.N(backoff)) != nil {
			return unreachable
		}
	}
}

// transientReplies are the error replies of a server that cannot serve the
// command now but will: out of memory, loading, a replica, busy with a
// script, failing over, or unblocked. NOSCRIPT is among them: the next try
// loads the script again.
var transientReplies = []string{"OOM", "LOADING", "READONLY", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "UNBLOCKED", "NOSCRIPT"}

// transient tells whether err is worth another try: a lost connection, or
// one of transientReplies. Any other reply says the command itself is wrong,
// and would be wrong again.
func transient(err error) bool {
	var reply redis.Error
	if errors.As(err, &reply) {
		return slices.Contains(transientReplies, replyCode(reply.Error()))
	}
	return replyLost(err)
}

// replyLost tells whether err is the connection's (dropped, timed out), not
// a reply nor a stop: the command may have run on the server all the same.
func replyLost(err error) bool {
	var reply redis.Error
	return err != nil && !errors.As(err, &reply) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, redis.ErrClosed)
}

// scriptWrapping is how a server before Redis 7.0 wraps an error reply met
// inside a script ("ERR Error running script (call to f_<sha>):
// @user_script:3: -OOM …"); 7.0 and later pass the reply on as it was.
var scriptWrapping = regexp.MustCompile(`^ERR Error running script \(call to [^)]*\): (@\w+:\d+: )?-?`)

// replyCode returns an error reply's code, its first word, out of a
// script's wrapping if need be.
func replyCode(reply string) string {
	code, _, _ := strings.Cut(scriptWrapping.ReplaceAllString(reply, ""), " ")
	return code
}

// sleep waits for d, or returns ctx's error if ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
