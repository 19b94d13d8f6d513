#!/usr/bin/env node
// The `inoculum` command (package.json "bin"): loads the TypeScript CLI in this process through
// tsx's ESM loader, resolved from this package's own node_modules (tsx is a devDependency, present
// after `npm ci`), so `npx inoculum ...` works from the repository without a build step.
let register;
try {
  ({ register } = await import('tsx/esm/api'));
} catch (e) {
  console.error(`inoculum: cannot load tsx (${e.message}); run \`npm ci\` in the repository first`);
  process.exit(1);
}
register();
await import('../src/cli/main.ts');
