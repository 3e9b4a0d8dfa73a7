import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/args.js';
import { UsageError } from '../../src/errors.js';

function usageError(argv: string[]): UsageError {
  try {
    parseCliArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('parseCliArgs', () => {
  it('reads every option in long and short form', () => {
    expect(parseCliArgs(['app', '-p', 'timeout', '-t', 'go', '-n', 'svc', '-y', '--force', '--dry-run'])).toMatchObject(
      {
        directory: 'app',
        pattern: 'timeout',
        target: 'go',
        name: 'svc',
        yes: true,
        force: true,
        dryRun: true,
      },
    );
    expect(parseCliArgs(['--pattern=fan-out', '--target=typescript', '--name=x'])).toMatchObject({
      pattern: 'fan-out',
      target: 'typescript',
      name: 'x',
    });
  });

  it('tells given, negated and absent booleans apart', () => {
    expect(parseCliArgs([])).toMatchObject({ install: undefined, git: undefined, yes: false, list: false });
    expect(parseCliArgs(['--install', '--git'])).toMatchObject({ install: true, git: true });
    expect(parseCliArgs(['--no-install', '--no-git'])).toMatchObject({ install: false, git: false });
  });

  it('reads --help, --version and --list', () => {
    expect(parseCliArgs(['-h']).help).toBe(true);
    expect(parseCliArgs(['--version']).version).toBe(true);
    expect(parseCliArgs(['-v']).version).toBe(true);
    expect(parseCliArgs(['--list']).list).toBe(true);
  });

  it('suggests the flag meant by a typo', () => {
    const error = usageError(['--patern', 'x']);
    expect(error.message).toBe('unknown option --patern');
    expect(error.hint).toContain('did you mean --pattern?');
    expect(usageError(['--dryrun']).hint).toContain('--dry-run');
  });

  it('refuses a flag without its value', () => {
    expect(usageError(['--pattern']).message).toBe('--pattern needs a value');
    expect(usageError(['--target', '--yes']).message).toBe('--target needs a value');
  });

  it('refuses a value given to a boolean flag', () => {
    expect(usageError(['--force=yes']).message).toBe('--force does not take a value');
  });

  it('refuses more than one directory', () => {
    expect(usageError(['my', 'app']).message).toContain('at most one directory');
  });
});
