// What the bounded buffer costs per item, and how its capacity changes it.
import { median, never, report } from './benchmarking.js';
import { runPipeline } from './producer-consumer.js';

const items = 100_000;
let sink = 0;
const direct = await median(async () => {
  for (let item = 0; item < items; item++) sink += await Promise.resolve(item);
});
report(`${items} items handed over by direct await (baseline)`, direct, 'ms');
for (const capacity of [1, 16, 256]) {
  for (const consumers of [1, 4]) {
    const piped = await median(() =>
      runPipeline<number>({
        capacity,
        consumers,
        signal: never,
        async produce(put) {
          for (let item = 0; item < items; item++) await put(item);
        },
        async consume(item) {
          sink += item;
        },
      }),
    );
    report(`${items} items, buffer ${capacity}, ${consumers} consumer(s)`, piped, 'ms', direct);
  }
}
if (Number.isNaN(sink)) console.log(sink); // keeps the work observable
