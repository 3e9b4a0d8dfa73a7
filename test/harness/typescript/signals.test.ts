import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChildSignals } from './signals.js';

const timeout = 20_000;
const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

test('however many tasks run, the parent signal has one listener', { timeout }, async () => {
  const stop = new AbortController();
  const children = new ChildSignals(stop.signal);
  const tasks = Array.from({ length: 1000 }, () =>
    children.run((signal) => sleep(20, 'done', { signal })),
  );
  assert.equal(listeners(stop.signal), 1);
  assert.deepEqual(new Set(await Promise.all(tasks)), new Set(['done']));
  children.close();
  assert.equal(listeners(stop.signal), 0, 'no listener left behind');
});

test('aborting the parent aborts every running task, with its reason', { timeout }, async () => {
  const stop = new AbortController();
  const children = new ChildSignals(stop.signal);
  const reason = new Error('stop');
  const tasks = Array.from({ length: 3 }, () =>
    children.run((signal) => sleep(10_000, undefined, { signal }).catch(() => signal.reason)),
  );
  stop.abort(reason);
  assert.deepEqual(await Promise.all(tasks), [reason, reason, reason]);
  // A task run after the abort gets a signal that is already aborted.
  assert.equal(await children.run(async (signal) => signal.reason), reason);
  children.close();
});

test('a task that throws before returning its promise rejects', { timeout }, async () => {
  const children = new ChildSignals(new AbortController().signal);
  const thrown = new Error('thrown');
  await assert.rejects(
    children.run(() => {
      throw thrown;
    }),
    thrown,
  );
  children.close();
});

test(
  'abort stops every task, running or still to run; the first reason wins',
  { timeout },
  async () => {
    const children = new ChildSignals(new AbortController().signal);
    const first = new Error('first');
    const running = children.run((signal) =>
      sleep(10_000, undefined, { signal }).catch(() => signal.reason),
    );
    children.abort(first);
    children.abort(new Error('second'));
    assert.equal(await running, first);
    assert.equal(await children.run(async (signal) => signal.reason), first);
    assert.deepEqual([children.aborted, children.reason], [true, first]);
    children.close();
  },
);
