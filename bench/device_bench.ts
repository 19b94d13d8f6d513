// bench/device.sh --quick's bench step: one kernel family's quick set (bench/<family>.ts's `quick`
// shapes and reps) as JSON lines. `npm run bench -- <family> --json` runs the full set instead;
// bench/run.ts only runs quick sets for all families at once.
//   npx tsx bench/device_bench.ts <matmul|attention|...>
import { closeBench, type BenchOptions } from './common.ts';

const family = process.argv[2];
if (!family || !/^[a-z_]+$/.test(family)) { console.error('usage: device_bench.ts <kernel family>'); process.exit(2); }
const mod = (await import(`./${family}.ts`)) as { bench: (o: BenchOptions) => Promise<void> };
await mod.bench({ json: true, quick: true });
closeBench();
