// Child process for the crash test: appends numbered entries forever in random-sized
// batches and prints "acked <n>" after each batch is durable. The parent kills it with
// SIGKILL at random moments. Usage: node append-loop.ts <home> <seed>
import { openLedger } from '../../src/ledger/index.ts';

const [home, seedText] = process.argv.slice(2);
let seed = Number(seedText ?? '1') >>> 0;
const random = () => {
  // xorshift32: reproducible batch sizes per seed
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 2 ** 32;
};

const ledger = await openLedger({ home: home!, origin: 'crash.bootmedic.local/ledger' });
let next = ledger.size;
process.stdout.write(`start ${next}\n`);
for (;;) {
  const batch = 1 + Math.floor(random() * 300);
  const results = await Promise.all(Array.from({ length: batch }, (_, i) => ledger.append({ type: 'drill', data: { n: next + i } })));
  next += batch;
  // Pipes are synchronous on Linux: once this line is written the parent may rely on it.
  process.stdout.write(`acked ${results.at(-1)!.index}\n`);
}
