// A tiny arithmetic language for scenario expectations, so that fixtures can
// say "timeoutMs + 600" or "min(jobs, workers)" instead of a number worked
// out by hand. Grammar: numbers, the run's option names and `cores`, + - * /,
// unary minus, parentheses, and the functions min, max, floor, ceil.
import type { RunOptions } from './contract.js';

const FUNCTIONS: Record<string, (...values: number[]) => number> = {
  min: Math.min,
  max: Math.max,
  floor: Math.floor,
  ceil: Math.ceil,
};

const VARIABLES = ['jobs', 'workers', 'workMs', 'failEvery', 'timeoutMs', 'buffer', 'drainMs', 'cores'] as const;

export type Bindings = Pick<RunOptions, (typeof VARIABLES)[number]>;

export function evaluate(expression: string | number, bindings: Bindings): number {
  if (typeof expression === 'number') return expression;
  const tokens = expression.match(/\d+(?:\.\d+)?|[A-Za-z_]\w*|[-+*/(),]|\S/g) ?? [];
  let position = 0;
  const peek = () => tokens[position];
  const fail = (message: string): never => {
    throw new Error(`expression ${JSON.stringify(expression)}: ${message}`);
  };
  const take = (expected?: string): string => {
    const token = tokens[position++];
    if (token === undefined) return fail('unexpected end');
    if (expected !== undefined && token !== expected) fail(`expected "${expected}", found "${token}"`);
    return token;
  };

  function sum(): number {
    let value = product();
    while (peek() === '+' || peek() === '-') value = take() === '+' ? value + product() : value - product();
    return value;
  }
  function product(): number {
    let value = unary();
    while (peek() === '*' || peek() === '/') value = take() === '*' ? value * unary() : value / unary();
    return value;
  }
  function unary(): number {
    if (peek() === '-') {
      take();
      return -unary();
    }
    return primary();
  }
  function primary(): number {
    const token = take();
    if (/^\d/.test(token)) return Number(token);
    if (token === '(') {
      const value = sum();
      take(')');
      return value;
    }
    const call = Object.hasOwn(FUNCTIONS, token) ? FUNCTIONS[token] : undefined;
    if (call) {
      take('(');
      const args = [sum()];
      while (peek() === ',') {
        take();
        args.push(sum());
      }
      take(')');
      return call(...args);
    }
    if ((VARIABLES as readonly string[]).includes(token)) return bindings[token as keyof Bindings];
    return fail(`unknown name "${token}" (known: ${[...VARIABLES, ...Object.keys(FUNCTIONS)].join(', ')})`);
  }

  const value = sum();
  if (position < tokens.length) fail(`unexpected "${tokens[position]}"`);
  return value;
}
