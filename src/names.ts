// Project-name validation. The name is the only free text that reaches the
// templates (as a Go module path, an npm package name or a Python
// distribution and import name), so it is checked here, before anything is
// rendered, against the rules of every place it will land.

import { builtinModules } from 'node:module';
import { componentModule, patterns, type LanguageId } from './catalogue.js';
import { goStdlibRoots, pythonKeywords, pythonStdlibModules } from './data/reserved-names.js';

export const maxNameLength = 64;

export type NameCheck =
  | { readonly ok: true; readonly packageName: string }
  | { readonly ok: false; readonly reason: string; readonly hint: string };

const allowedCharacters = 'lowercase letters, digits, "-", "_" and "."';

const nodeBuiltins: ReadonlySet<string> = new Set(builtinModules.map((module) => module.replace(/^node:/, '')));

/** Device names Windows refuses as file or folder names, whatever the extension. */
const windowsDeviceName = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/;

/** Names the generated project's own tooling resolves before the project. */
const toolNames: Record<LanguageId, ReadonlySet<string>> = {
  python: new Set(['tests', 'conftest', 'pytest', 'mypy', 'ruff', 'setup', 'site']),
  go: new Set(['main', 'internal', 'vendor', 'testdata', 'cmd', 'std', 'all', 'tool']),
  typescript: new Set(['node_modules', 'favicon.ico', 'dist', 'src', 'test']),
};

/**
 * The Go packages of the patterns' components: a Go project is built into a
 * program named after itself at its root (`go build -o <name> .`), where
 * that folder already is.
 */
const goComponentPackages: ReadonlySet<string> = new Set(patterns.map((pattern) => componentModule(pattern.id, 'go')));

/** The import name a Python project gets: `my-app` → `my_app`. */
export function pythonImportName(name: string): string {
  return name.replace(/[-.]/g, '_');
}

interface Problem {
  readonly reason: string;
  /** What a valid name looks like. */
  readonly rule: string;
  /** Where a suggested name starts from, when a cleaned-up name can help. */
  readonly seed?: string;
}

const problem = (reason: string, rule: string, seed?: string): Problem => ({ reason, rule, seed });

/** `'x'`, or `"'"` for the quote itself: readable in a one-line error. */
const quote = (text: string): string => (text === "'" ? `"'"` : `'${text}'`);

/** A cleaned-up name made from `seed`, to offer in a hint, or undefined if none is valid. */
function suggestName(name: string, language: LanguageId, seed: string): string | undefined {
  let candidate = seed
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[-._]+|[-.]+$/g, '')
    .slice(0, maxNameLength)
    .replace(/[-.]+$/, '');
  if (candidate === '') return undefined;
  if (candidate === name || findProblem(candidate, language))
    candidate = `${candidate.slice(0, maxNameLength - 4)}-app`;
  return candidate !== name && !findProblem(candidate, language) ? candidate : undefined;
}

/** Checks a project name for a target language; on success gives its import name. */
export function checkName(name: string, language: LanguageId): NameCheck {
  const found = findProblem(name, language);
  if (!found) return { ok: true, packageName: language === 'python' ? pythonImportName(name) : name };
  const suggestion = found.seed === undefined ? undefined : suggestName(name, language, found.seed);
  return {
    ok: false,
    reason: found.reason,
    hint: suggestion ? `${found.rule}; did you mean "${suggestion}"?` : found.rule,
  };
}

function findProblem(name: string, language: LanguageId): Problem | undefined {
  const shown = JSON.stringify(name);
  const unsafe = /["'`$]|<%|%>/.exec(name);
  const stray = /[^a-z0-9._-]/.exec(name);
  if (name.trim() === '') {
    return problem('the project name is empty', 'give one with --name <name> or as the directory argument');
  }
  if (name.length > maxNameLength) {
    return problem(`the project name is ${name.length} characters long`, `use at most ${maxNameLength}`, name);
  }
  if (/[/\\]/.test(name)) {
    return problem(
      `the project name ${shown} contains a path separator`,
      'to create the project elsewhere, give the path as the directory argument and a plain --name',
    );
  }
  if (name.includes('..')) return problem(`the project name ${shown} contains '..'`, `use ${allowedCharacters}`, name);
  if (/\s/.test(name))
    return problem(`the project name ${shown} contains whitespace`, `use ${allowedCharacters}`, name);
  if (unsafe) {
    return problem(`the project name ${shown} contains ${quote(unsafe[0])}`, `use ${allowedCharacters}`, name);
  }
  if (/^[-._]/.test(name)) {
    return problem(
      `the project name ${shown} starts with ${quote(name[0]!)}`,
      'start it with a letter or a digit',
      name,
    );
  }
  if (/[A-Z]/.test(name))
    return problem(`the project name ${shown} contains uppercase letters`, 'names are lowercase', name);
  if (stray) {
    return problem(`the project name ${shown} contains ${quote(stray[0])}`, `use ${allowedCharacters}`, name);
  }
  if (/[-.]$/.test(name)) {
    return problem(
      `the project name ${shown} ends with ${quote(name.at(-1)!)}`,
      'end it with a letter or a digit',
      name,
    );
  }
  if (windowsDeviceName.test(name))
    return problem(`${shown} is a reserved device name on Windows`, 'pick another name', name);
  if (toolNames[language].has(name)) {
    const owner = language === 'go' ? 'a name Go reserves' : 'a name its tooling uses';
    return problem(`the project name ${shown} would shadow ${owner}`, 'pick another name', name);
  }
  return findLanguageProblem(name, language, shown);
}

function findLanguageProblem(name: string, language: LanguageId, shown: string): Problem | undefined {
  switch (language) {
    case 'python': {
      const importName = pythonImportName(name);
      const quotedImport = JSON.stringify(importName);
      if (/^[0-9]/.test(importName)) {
        return problem(
          `the Python import name ${quotedImport} would start with a digit`,
          'start it with a letter',
          `py-${name}`,
        );
      }
      if (pythonKeywords.has(importName))
        return problem(`${quotedImport} is a Python keyword`, 'pick another name', name);
      if (pythonStdlibModules.has(importName)) {
        return problem(
          `the project name ${shown} would shadow the Python standard-library module ${quotedImport}`,
          'pick another name',
          name,
        );
      }
      return undefined;
    }
    case 'go':
      if (goComponentPackages.has(name)) {
        return problem(
          `the project name ${shown} is the folder of a pattern's Go package, where the built program would go`,
          'pick another name',
          name,
        );
      }
      return goStdlibRoots.has(name)
        ? problem(
            `the module path ${shown} would shadow the Go standard library package ${shown}`,
            'pick another name',
            name,
          )
        : undefined;
    case 'typescript':
      return nodeBuiltins.has(name)
        ? problem(
            `the package name ${shown} would shadow the Node.js built-in module ${shown}`,
            'pick another name',
            name,
          )
        : undefined;
  }
}
