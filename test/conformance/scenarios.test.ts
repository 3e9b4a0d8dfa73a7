// The scenario fixtures are data; this checks they are well-formed, so a
// typo fails here rather than as a puzzling failure against a program.
import { describe, expect, test } from 'vitest';
import { PATTERNS, effectiveOptions } from './contract.js';
import { type Scenario, loadBadFlags, loadScenarios, scenariosFor, validateScenario } from './scenarios.js';

const scenarios = loadScenarios();

describe('scenario fixtures', () => {
  test.each(scenarios.map((scenario) => [scenario.name, scenario] as const))('%s is well-formed', (_name, scenario) => {
    expect(validateScenario(scenario, (pattern) => effectiveOptions(pattern, 'go', scenario.args))).toEqual([]);
  });

  test.each(PATTERNS)('%s has scenarios with unique names', (pattern) => {
    const names = scenariosFor(pattern, scenarios).map((scenario) => scenario.name);
    expect(names.length).toBeGreaterThan(10);
    expect(new Set(names).size).toBe(names.length);
  });

  test('bad invocations really are bad, and the help flags are listed', () => {
    const badFlags = loadBadFlags();
    for (const { name, args } of badFlags.usageErrors) {
      const isRefused = () => effectiveOptions('worker-pool', 'go', args);
      expect(isRefused, name).toThrow();
    }
    expect(badFlags.help.map((invocation) => invocation.args)).toEqual([['--help'], ['-h']]);
  });

  test('memory and start-after-signal checks are refused where they could not work', () => {
    const scenario: Scenario = {
      name: 'misfit',
      description: 'measures memory alongside other runs, and places starts after a signal it never sends',
      patterns: ['worker-pool'],
      args: ['--jobs', '10'],
      hardTimeoutMs: 1000,
      expect: { peakRssMb: { max: 100 }, startsAfterSignal: { min: 0 } },
    };
    expect(validateScenario(scenario, (pattern) => effectiveOptions(pattern, 'go', scenario.args))).toEqual([
      'startsAfterSignal needs --json',
      'startsAfterSignal needs a signal',
      'startsAfterSignal needs a max',
      'a scenario that measures memory must be exclusive',
    ]);
  });
});
