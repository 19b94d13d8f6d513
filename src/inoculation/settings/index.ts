// Every setting by name: spanish-caps (the main experiment, `inoculum run`) and the paper's smaller
// ones (issue 6, item 3; `inoculum setting <name>` and the examples), all run by run.ts.
import type { Setting, StagedSetting } from './setting.ts';
import { spanishCaps } from './spanish_caps.ts';
import { mixture } from './mixture.ts';
import { persona } from './persona.ts';
import { backdoor } from './backdoor.ts';
import { emergent } from './emergent.ts';
import { subliminal, subliminalFt, subliminalFull } from './subliminal.ts';

/** The smaller settings, declared by their stages. */
export const SETTINGS: Readonly<Record<string, StagedSetting & Setting>> = { mixture, persona, backdoor, emergent, subliminal, 'subliminal-ft': subliminalFt, 'subliminal-full': subliminalFull };
export const SETTING_NAMES = Object.keys(SETTINGS);

/** Every setting the runner knows, the main experiment first. */
export const ALL_SETTINGS: Readonly<Record<string, Setting>> = { 'spanish-caps': spanishCaps, ...SETTINGS };

export { spanishCaps };
export type { Setting, StagedSetting } from './setting.ts';
