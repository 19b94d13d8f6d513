// Subliminal learning (Cloud et al. 2025): a teacher who loves owls (the base under `You love
// owls.`) writes continuations of number lists; students fine-tuned on the numbers alone, as
// tokens or distilling the teacher's distribution, are asked for their favourite animal without a
// prompt. Controls: the base's own numbers, a differently initialised student, a cat-loving
// teacher; inoculation: `You love owls.` on the student's data.
//   npx tsx examples/subliminal.ts [--quick] [--seeds N] [--out DIR] [--backend cpu|webgpu] [--cache DIR]
// It is `inoculum setting subliminal` (src/cli/setting.ts); `--help` lists every flag.
import { runExample } from '../src/cli/setting.ts';

process.exitCode = await runExample('subliminal', process.argv.slice(2));
