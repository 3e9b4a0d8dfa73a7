// The package manager that ran us (npm, pnpm, yarn, bun), from the user agent
// it sets, so that the next steps and --install use the same one.

export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun';

const known: readonly PackageManager[] = ['npm', 'pnpm', 'yarn', 'bun'];

/** `pnpm/9.1.0 npm/? node/v20.19.0 linux x64` → `pnpm`; npm when unknown or absent. */
export function packageManagerFromUserAgent(userAgent: string | undefined): PackageManager {
  const name = userAgent?.split(' ')[0]?.split('/')[0];
  return known.find((manager) => manager === name) ?? 'npm';
}

/**
 * An npm command from the catalogue, as the given package manager spells it:
 * `npm install`, `npm test`, `npm start -- <args>`, `npm run <script> -- <args>`.
 */
export function adaptNpmCommand(command: readonly string[], manager: PackageManager): string[] {
  if (command[0] !== 'npm' || manager === 'npm') return [...command];
  const [, verb, ...rest] = command;
  if (verb === 'install' || verb === 'ci') return manager === 'yarn' ? ['yarn'] : [manager, 'install'];
  const script = verb === 'run' ? rest.shift() : verb;
  const extra = rest[0] === '--' ? rest.slice(1) : rest;
  if (script === undefined) return [...command];
  // `bun test` is bun's own test runner, so bun always goes through `bun run`.
  if (manager === 'bun') return ['bun', 'run', script, ...extra];
  const builtIn = script === 'start' || script === 'test';
  return builtIn ? [manager, script, ...extra] : [manager, 'run', script, ...extra];
}
