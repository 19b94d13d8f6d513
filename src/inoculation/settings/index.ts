// The settings of issue 6 (item 3), by name: what `inoculum setting <name>` and the examples run.
import type { Setting } from './setting.ts';
import { mixture } from './mixture.ts';
import { persona } from './persona.ts';
import { backdoor } from './backdoor.ts';

export const SETTINGS: Readonly<Record<string, Setting>> = { mixture, persona, backdoor };
export const SETTING_NAMES = Object.keys(SETTINGS);

export { runSetting, formatSettingTable } from './runner.ts';
export { defaultSettingConfig, quickSettingConfig, type Setting, type SettingConfig } from './setting.ts';
