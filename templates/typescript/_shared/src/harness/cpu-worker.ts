// The body of every thread of the thread pool: compute, reply, wait for the next job.
import { parentPort } from 'node:worker_threads';
import { compute } from './cpu.js';

const port = parentPort!;
port.on('message', (iterations: number) => port.postMessage(compute(iterations)));
