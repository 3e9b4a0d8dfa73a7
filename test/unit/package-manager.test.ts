import { describe, expect, it } from 'vitest';
import { adaptNpmCommand, packageManagerFromUserAgent } from '../../src/package-manager.js';

describe('packageManagerFromUserAgent', () => {
  it.each([
    ['npm/10.8.2 node/v20.19.0 linux x64 workspaces/false', 'npm'],
    ['pnpm/9.12.0 npm/? node/v22.11.0 darwin arm64', 'pnpm'],
    ['yarn/1.22.22 npm/? node/v20.19.0 win32 x64', 'yarn'],
    ['bun/1.1.30 npm/? node/v22.6.0 linux x64', 'bun'],
    ['deno/2.0.0 npm/? deno/2.0.0 linux x64', 'npm'],
    [undefined, 'npm'],
  ])('%s → %s', (agent, manager) => {
    expect(packageManagerFromUserAgent(agent)).toBe(manager);
  });
});

describe('adaptNpmCommand', () => {
  it.each([
    ['npm', ['npm', 'install'], ['npm', 'install']],
    ['pnpm', ['npm', 'install'], ['pnpm', 'install']],
    ['yarn', ['npm', 'install'], ['yarn']],
    ['bun', ['npm', 'install'], ['bun', 'install']],
    ['pnpm', ['npm', 'start', '--', '--json'], ['pnpm', 'start', '--json']],
    ['yarn', ['npm', 'test'], ['yarn', 'test']],
    ['bun', ['npm', 'test'], ['bun', 'run', 'test']],
    ['pnpm', ['npm', 'run', 'bench'], ['pnpm', 'run', 'bench']],
    ['pnpm', ['go', 'test', './...'], ['go', 'test', './...']],
  ] as const)('%s: %j → %j', (manager, command, expected) => {
    expect(adaptNpmCommand(command, manager)).toEqual(expected);
  });
});
