"""The job stream's wire format and rules, whatever client drives it.

The threaded and the asyncio ``redis_stream`` send the same commands and
scripts and read the same replies; this module is what they share, and it
does no I/O. The format is the same in every language of the project: a Go
producer feeds a Python worker.

- An entry of ``<stream>``: ``job`` (decimal id) and ``payload`` (a JSON
  object); the consumer group is ``<stream>:workers``.
- A result: ``HSET <stream>:results <job> <result>``, recorded before the
  entry is acknowledged, in the same script.
- A dead letter, in ``<stream>:dead``: ``job``, ``payload``, ``error``,
  ``deliveries``, ``consumer``.
- An entry is deleted once acknowledged, so the stream's length is its
  backlog: entries not yet delivered, and pending ones.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from redis.exceptions import (
    AuthenticationError,
    AuthorizationError,
    RedisError,
    ResponseError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

JOB = "job"
PAYLOAD = "payload"
ERROR = "error"
DELIVERIES = "deliveries"
CONSUMER = "consumer"

FIRST_RETRY_S = 0.1
"""Backoff after the first failure; it doubles up to ``LAST_RETRY_S``."""
LAST_RETRY_S = 5.0
START_DEADLINE_S = 3.0
"""How long ``open`` keeps trying to reach the server before giving up."""
LAST_TRY_LEAD_S = 0.2
"""The last try starts at least this long before the start-up deadline, so
that a refusal is reported as itself, not as the deadline; the waits
between tries are cut short to make it."""
NO_ANSWER = f"no answer within {START_DEADLINE_S:g} s"
"""Why ``open`` gives up on a server that takes the connection and never
answers: a try would wait for the socket timeout, which outlasts a blocked
read."""
FULL_POLL_S = 0.03
"""How often a producer held back by a full stream looks again: Redis tells
no one when a stream gets shorter."""
LONGEST_BLOCK_MS = 1000
"""A read blocks no longer than this, so that claims and stops are checked."""
SETTLE_BATCH = 256
"""The most settlements one script call carries."""
LOST_READ_SLACK_S = 1.0
"""Allowed for the server's clock against this process's when telling the
entries of a read whose reply was lost by their idle time."""

TRANSIENT_REPLIES = frozenset(
    {
        "OOM",
        "LOADING",
        "READONLY",
        "BUSY",
        "MASTERDOWN",
        "TRYAGAIN",
        "CLUSTERDOWN",
        "UNBLOCKED",
        "NOSCRIPT",
    }
)
"""Error replies of a server that will answer later: tried again, as a lost
connection is. Any other error reply is fatal: retrying cannot mend it."""


class UnreachableError(Exception):
    """The server could not be reached when the stream was opened."""


class MalformedEntryError(ValueError):
    """An entry that can never be run: it goes to the dead letters at once."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One delivery of one entry: the job and what the stream knows of it."""

    job: int
    payload: dict[str, Any]
    id: str
    deliveries: int
    """How many times the entry has been delivered, this time included."""
    claimed_from: str | None = None
    """The consumer it was claimed from; None when it was read fresh."""
    read_at: float = field(default_factory=time.monotonic, compare=False)
    """When this consumer got it (``time.monotonic``): until ``claim_idle``
    later no other consumer can have claimed it."""


@dataclass(frozen=True, slots=True)
class Keys:
    """The keys and the group of one stream."""

    stream: str
    group: str
    dead_letters: str
    results: str

    @classmethod
    def of(cls, stream: str) -> Keys:
        return cls(stream, f"{stream}:workers", f"{stream}:dead", f"{stream}:results")


def redact(url: str) -> str:
    """``url`` without its password: ``redis://user:***@host:6379/0``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def block_ms(claim_idle_ms: int) -> int:
    """How long a read blocks: claims must come round even when no new job
    does, at least twice per ``claim_idle``."""
    return max(1, min(claim_idle_ms // 2, LONGEST_BLOCK_MS))


def entry_fields(job: int, payload: Mapping[str, object]) -> dict[str, str]:
    return {JOB: str(job), PAYLOAD: json.dumps(payload)}


def parse_entry(
    entry_id: str,
    fields: Mapping[str, str],
    deliveries: int,
    claimed_from: str | None,
) -> Delivery:
    """The entry as a Delivery; raises MalformedEntryError if it is not one."""
    try:
        job_text = fields[JOB]
        if not (job_text.isascii() and job_text.isdigit()):
            raise ValueError(f"job is not a decimal id: {job_text!r}")
        payload = json.loads(fields[PAYLOAD])
        if not isinstance(payload, dict):
            raise ValueError(f"payload is not a JSON object: {payload!r}")
    except (KeyError, ValueError) as error:
        reason = f"malformed entry: {type(error).__name__}: {error}"
        raise MalformedEntryError(reason) from error
    return Delivery(int(job_text), payload, entry_id, deliveries, claimed_from)


def entries(reply: object) -> list[tuple[str, dict[str, str]]]:
    """The (id, fields) of a list of entries; a deleted entry's fields are None."""
    listed = reply if isinstance(reply, list) else []
    return [
        (str(entry_id), {str(key): str(value) for key, value in fields.items()})
        for entry_id, fields in listed
        if isinstance(fields, dict)
    ]


def read_entries(reply: object) -> list[tuple[str, dict[str, str]]]:
    """The entries of an XREADGROUP reply of one stream; none when it timed out.

    RESP2, the client's default: ``[[stream, [(id, fields), ...]]]``.
    """
    streams = reply if isinstance(reply, list) else []
    return [entry for _, listed in streams for entry in entries(listed)]


@dataclass(frozen=True, slots=True)
class Pending:
    """One pending entry, as XPENDING lists it."""

    id: str
    consumer: str
    idle_ms: int
    """Since it was last delivered, by the server's clock."""
    deliveries: int
    """How many times it has been delivered so far."""


def pending_entries(
    reply: Iterable[Mapping[str, bytes | str | int]],
) -> list[Pending]:
    """The entries of an XPENDING reply with a range, as the client lists them."""
    return [
        Pending(
            str(entry["message_id"]),
            str(entry["consumer"]),
            int(entry["time_since_delivered"]),
            int(entry["times_delivered"]),
        )
        for entry in reply
    ]


def unheld(listed: Iterable[Pending], held: Collection[str]) -> list[Pending]:
    """The entries of ``listed`` that no worker of this process runs, nor
    waits to settle: a slow job is not a dead one."""
    return [entry for entry in listed if entry.id not in held]


def delivered_by_lost_reads(
    listed: Iterable[Pending], held: Collection[str], lost_for_s: float
) -> list[Pending]:
    """Which of this consumer's pending entries ``listed`` were delivered by
    reads (or claimed by XCLAIMs) whose reply was lost, the earliest sent
    ``lost_for_s`` ago.

    They are those it does not hold, delivered since that read was sent
    (``LOST_READ_SLACK_S`` allowing for the clocks). One delivered before
    was left pending on purpose (a failure before the last delivery, a
    drain deadline), or by an older process of the same consumer name: it
    waits for ``claim_idle``, as it always did.
    """
    newest_ms = (lost_for_s + LOST_READ_SLACK_S) * 1000
    return [entry for entry in unheld(listed, held) if entry.idle_ms <= newest_ms]


@dataclass(frozen=True, slots=True)
class Claim:
    """One XCLAIM: ``entries``, taken only if idle ``min_idle_ms`` or more."""

    min_idle_ms: int
    entries: tuple[Pending, ...]


def idle_claims(chosen: Sequence[Pending], claim_idle_ms: int) -> list[Claim]:
    """The XCLAIM of the entries whose consumer died: all at ``claim_idle``,
    the bound the other consumers keep too."""
    return [Claim(claim_idle_ms, tuple(chosen))] if chosen else []


def lost_read_claims(chosen: Iterable[Pending]) -> list[Claim]:
    """The XCLAIMs that take ``chosen`` back: one per idle time they were
    listed with, each taking its entries only if still that idle, not 0.

    An entry's idle time only grows while it is left alone. Another
    consumer may claim one after XPENDING listed it (an entry left pending
    and idle past ``claim_idle``, or one of a lost read once that read is
    ``claim_idle`` old); it has then been idle only since that claim, and
    stays with that consumer rather than run twice at once, unless this
    XCLAIM comes as long after the XPENDING as the entry was listed idle.
    A bound shared by all, the least of them, would let a fresh entry's
    small idle take back an old one. The entries of one read share their
    idle time, so it is usually one XCLAIM.
    """
    by_idle: dict[int, list[Pending]] = {}
    for entry in chosen:
        by_idle.setdefault(entry.idle_ms, []).append(entry)
    return [Claim(idle_ms, tuple(group)) for idle_ms, group in by_idle.items()]


def after(entry_id: str) -> str:
    """The start of a range just past ``entry_id`` (Redis 6.2+)."""
    return f"({entry_id}"


def recovered_line(count: int) -> str:
    """The stderr line of a recovery from lost read replies."""
    noun = "entry" if count == 1 else "entries"
    return f"redis: a read's reply was lost; recovered {count} {noun} it delivered"


def abandoned_error(previous: str, deliveries: int) -> str:
    """Why a claimed entry delivered ``max_deliveries`` times is buried."""
    return f"abandoned by {previous} after {deliveries} deliveries"


@dataclass(frozen=True, slots=True)
class Settlement:
    """What becomes of one entry this consumer holds, in ``SETTLE``."""

    entry_id: str
    kind: Literal["ack", "release", "dead"]
    values: tuple[str, ...]
    """ack: (job, result); release and dead: the new entry's fields, flat."""

    @classmethod
    def ack(cls, delivery: Delivery, result: object) -> Settlement:
        return cls(delivery.id, "ack", (str(delivery.job), str(result)))

    @classmethod
    def release(cls, delivery: Delivery) -> Settlement:
        fields = entry_fields(delivery.job, delivery.payload)
        return cls(delivery.id, "release", _flat(fields))

    @classmethod
    def dead(
        cls,
        entry_id: str,
        fields: Mapping[str, str],
        error: str,
        deliveries: int,
        consumer: str,
    ) -> Settlement:
        """Bury the entry: ``fields`` are its own, perhaps malformed, ones."""
        letter = {
            JOB: fields.get(JOB, ""),
            PAYLOAD: fields.get(PAYLOAD, ""),
            ERROR: error,
            DELIVERIES: str(deliveries),
            CONSUMER: consumer,
        }
        return cls(entry_id, "dead", _flat(letter))


def _flat(fields: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(item for pair in fields.items() for item in pair)


SETTLE = """
for i, want in ipairs({'stream', 'stream', 'hash'}) do
  local t = redis.call('TYPE', KEYS[i]).ok
  if t ~= 'none' and t ~= want then
    local why = KEYS[i] .. ' is a ' .. t .. ', not a ' .. want
    return redis.error_reply('WRONGTYPE ' .. why)
  end
end
local results = {}
local i = 2
while i <= #ARGV do
  local count = tonumber(ARGV[i + 2])
  if ARGV[i + 1] == 'ack' then
    results[#results + 1] = ARGV[i + 3]
    results[#results + 1] = ARGV[i + 4]
  end
  i = i + 3 + count
end
if #results > 0 then
  redis.call('HSET', KEYS[3], unpack(results))
end
local acknowledged, deleted = {}, {}
i = 2
while i <= #ARGV do
  local id, kind, count = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local first, last = i + 3, i + 2 + count
  local acked = redis.call('XACK', KEYS[1], ARGV[1], id)
  if acked == 1 then
    if kind == 'release' then
      redis.call('XADD', KEYS[1], '*', unpack(ARGV, first, last))
    elseif kind == 'dead' then
      redis.call('XADD', KEYS[2], '*', unpack(ARGV, first, last))
    end
    deleted[#deleted + 1] = id
  end
  acknowledged[#acknowledged + 1] = acked
  i = last + 1
end
if #deleted > 0 then
  redis.call('XDEL', KEYS[1], unpack(deleted))
end
return acknowledged
"""
"""Settle a list of entries in order, atomically: record the acks' results,
acknowledge, and only if that acknowledged an entry append its new entry
(handed back to the stream, or a dead letter) and delete the old one; so a
worker whose job another settled first neither hands it back nor buries it
twice. A script is not rolled back when a command in it fails, so the types
of the keys are checked before anything is written: a key of the wrong type
leaves every entry pending rather than acknowledged and never deleted. One
HSET and one XDEL for the whole batch: inside a script each command costs
about as much as deleting an entry. KEYS: stream, dead letters, results.
ARGV: group, then per entry its id, kind, the count of its values and the
values. Returns XACK's 1 or 0 per entry."""


def settle_keys(keys: Keys) -> list[str]:
    return [keys.stream, keys.dead_letters, keys.results]


def settle_args(group: str, settlements: Sequence[Settlement]) -> list[str]:
    args = [group]
    for settlement in settlements:
        values = settlement.values
        args += [settlement.entry_id, settlement.kind, str(len(values)), *values]
    return args


def settled_by_us(
    acknowledged: int, retried: bool, delivery: Delivery, claim_idle: float
) -> bool:
    """Whether this consumer's settlement of ``delivery`` took effect.

    XACK's 0 means another consumer settled it first, unless the call was
    sent again after a lost reply: the first call may have acknowledged it
    itself. No other consumer can claim it before ``claim_idle`` has passed
    since it was read, so a retried settlement younger than that was ours.
    """
    if acknowledged == 1:
        return True
    return retried and time.monotonic() - delivery.read_at < claim_idle


PRODUCE = """
if redis.call('GET', KEYS[2]) == ARGV[2] then return 1 end
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
redis.call('SET', KEYS[2], ARGV[2], 'EX', 86400)
return 1
"""
"""Append an entry only while the backlog is under the buffer, in one step:
several producers together never pass it. The producer's key holds the
number of its last call that appended: a call sent again after its reply
was lost finds it there and appends nothing twice. It expires after a day,
so a producer that died leaves nothing behind. KEYS: stream, the
producer's key. ARGV: buffer, the call's number, then the entry's fields,
flat. Returns 1 when it appended (now or before), 0 when full."""

UNBOUNDED = 2**53
"""The buffer of a stream without one: a backlog Redis never reaches."""


def producer_key(stream: str, token: str) -> str:
    """The key of one producer: ``<stream>:producer:<token>``."""
    return f"{stream}:producer:{token}"


def new_producer_token() -> str:
    """A producer's token, drawn once per Stream: 16 hex digits."""
    return secrets.token_hex(8)


def produce_args(
    buffer: int | None, number: int, job: int, payload: Mapping[str, object]
) -> list[str]:
    """ARGV of ``PRODUCE``: ``number`` counts the producer's calls; a call
    tried again keeps its number."""
    bound = UNBOUNDED if buffer is None else buffer
    return [str(bound), str(number), *_flat(entry_fields(job, payload))]


# How a server before Redis 7.0 wraps an error reply met inside a script
# ("ERR Error running script (call to f_<sha>): @user_script:3: -OOM ..."),
# which the client may have stripped of its "ERR "; 7.0 and later pass the
# reply on as it was.
_SCRIPT_WRAPPING = re.compile(
    r"^(?:ERR )?Error running script \(call to [^)]*\): (?:@\w+:\d+: )?-?(\S+)"
)


def reply_code(error: BaseException) -> str | None:
    """The code of a server's error reply (``WRONGTYPE``), None if none.

    The client strips the code of the replies it has a class for, and keeps
    it in ``status_code``; the others still start with it.
    """
    if not isinstance(error, RedisError):
        return None
    wrapped = _SCRIPT_WRAPPING.match(str(error))
    if wrapped:
        return wrapped.group(1)
    if error.status_code is not None:
        return error.status_code
    if isinstance(error, ResponseError):
        first = str(error).split(" ", 1)[0]
        return first if first.isupper() else None
    return None


def is_lost_group(error: BaseException) -> bool:
    """The group is gone: the stream was deleted, or the server restarted
    without its data. Create it again and go on."""
    return reply_code(error) == "NOGROUP"


def is_existing_group(error: BaseException) -> bool:
    """Creating the group found it there: what ``open`` wanted."""
    return reply_code(error) == "BUSYGROUP"


def is_transient(error: BaseException) -> bool:
    """Whether to try ``error``'s command again after a backoff.

    A lost connection and ``TRANSIENT_REPLIES`` are; refused credentials,
    any other error reply and an answer that is not Redis's are not.
    """
    if isinstance(error, AuthenticationError | AuthorizationError):
        return False
    code = reply_code(error)
    if code in TRANSIENT_REPLIES:
        return True
    if isinstance(error, RedisConnectionError | RedisTimeoutError):
        return code is None or code == "ERR"  # "max number of clients reached"
    return False


def is_lost_reply(error: BaseException) -> bool:
    """Whether the command may have run with its reply lost on the way: the
    connection failed or timed out, and no error reply came instead."""
    lost = isinstance(error, RedisConnectionError | RedisTimeoutError)
    return lost and reply_code(error) is None


def describe(error: BaseException) -> str:
    """``error`` on one line, its reply code first when it has one."""
    text = " ".join(str(error).split()) or type(error).__name__
    code = reply_code(error)
    if code is not None and not text.startswith(code):
        text = f"{code} {text}"
    return text


class Backoff:
    """Full-jitter exponential backoff: waits spread out across workers."""

    def __init__(self) -> None:
        self._ceiling = FIRST_RETRY_S

    def next_wait(self) -> float:
        """Seconds to wait before the next try; the ceiling doubles each time."""
        wait = random.uniform(0, self._ceiling)
        self._ceiling = min(self._ceiling * 2, LAST_RETRY_S)
        return wait


def retry_line(error: BaseException, wait: float) -> str:
    """The stderr line of one retry."""
    return f"redis: {describe(error)}; retrying in {round(wait * 1000)} ms"


def reconnected_line(address: str) -> str:
    """The stderr line of a connection lost while idle, found so and
    connected again before its next command: no command failed, so no retry
    reports it. ``address``: host:port, or a Unix socket's path."""
    return f"redis: connection to {address} was lost; reconnected"


def fatal_line(error: BaseException) -> str:
    """The stderr line of an error that ends the program (exit 1)."""
    return f"error: redis: {describe(error)}"
