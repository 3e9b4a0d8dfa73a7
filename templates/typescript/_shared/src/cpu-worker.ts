// The body of every worker thread in the thread pool: compute, reply, wait for the next job.
import { parentPort } from 'node:worker_threads';
import { compute } from './cpu.js';

if (parentPort === null) throw new Error('cpu-worker.js runs only as a worker thread');
const port = parentPort;
port.on('message', (iterations: number) => port.postMessage(compute(iterations)));
