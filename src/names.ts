// Project-name validation. The name is the only free text that reaches the
// templates (as a Go module path, an npm package name or a Python
// distribution and import name), so it is checked here, before anything is
// rendered, against the rules of every place it will land.

import { builtinModules } from 'node:module';
import type { LanguageId } from './catalogue.js';
import { goStdlibRoots, pythonKeywords, pythonStdlibModules } from './data/reserved-names.js';

export const maxNameLength = 64;

export type NameCheck =
  | { readonly ok: true; readonly packageName: string }
  | { readonly ok: false; readonly reason: string; readonly hint: string };

const allowedCharacters = 'lowercase letters, digits, "-", "_" and "."';

/** Device names Windows refuses as file or folder names, whatever the extension. */
const windowsDeviceName = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/;

/** Names the generated project's own tooling resolves before the project. */
const toolNames: Record<LanguageId, ReadonlySet<string>> = {
  python: new Set(['tests', 'conftest', 'pytest', 'mypy', 'ruff', 'setup', 'site']),
  go: new Set(['main', 'internal', 'vendor', 'testdata', 'cmd', 'std', 'all', 'tool']),
  typescript: new Set(['node_modules', 'favicon.ico', 'dist', 'src', 'test']),
};

/** The import name a Python project gets: `my-app` → `my_app`. */
export function pythonImportName(name: string): string {
  return name.replace(/[-.]/g, '_');
}

function fail(reason: string, hint: string): NameCheck {
  return { ok: false, reason, hint };
}

/** A cleaned-up name (made from `seed`) to offer in a hint, or undefined if none is valid. */
function suggestName(name: string, language: LanguageId, seed: string): string | undefined {
  let candidate = seed
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[-._]+|[-.]+$/g, '');
  if (candidate.length > maxNameLength) candidate = candidate.slice(0, maxNameLength).replace(/[-.]+$/, '');
  if (candidate === '') return undefined;
  if (candidate === name || !checkName(candidate, language).ok) {
    candidate = `${candidate}-app`;
  }
  return candidate !== name && checkName(candidate, language).ok ? candidate : undefined;
}

function failWithSuggestion(
  name: string,
  language: LanguageId,
  reason: string,
  rule: string,
  seed = name,
): NameCheck {
  const suggestion = suggestName(name, language, seed);
  return fail(reason, suggestion ? `${rule}; did you mean "${suggestion}"?` : rule);
}

/** Checks a project name for a target language; on success gives its import name. */
export function checkName(name: string, language: LanguageId): NameCheck {
  const shown = JSON.stringify(name);
  if (name.trim() === '') {
    return fail('the project name is empty', 'give one with --name <name> or as the directory argument');
  }
  if (name.length > maxNameLength) {
    return failWithSuggestion(
      name,
      language,
      `the project name is ${name.length} characters long`,
      `use at most ${maxNameLength}`,
    );
  }
  if (/[/\\]/.test(name)) {
    return fail(
      `the project name ${shown} contains a path separator`,
      'to create the project elsewhere, give the path as the directory argument and a plain --name',
    );
  }
  if (name.includes('..')) {
    return failWithSuggestion(name, language, `the project name ${shown} contains ".."`, `use ${allowedCharacters}`);
  }
  if (/\s/.test(name)) {
    return failWithSuggestion(name, language, `the project name ${shown} contains whitespace`, `use ${allowedCharacters}`);
  }
  const dangerous = /["'`$]|<%|%>/.exec(name);
  if (dangerous) {
    return failWithSuggestion(
      name,
      language,
      `the project name ${shown} contains ${JSON.stringify(dangerous[0])}`,
      `use ${allowedCharacters}`,
    );
  }
  if (/^[-.]/.test(name)) {
    return failWithSuggestion(
      name,
      language,
      `the project name ${shown} starts with ${JSON.stringify(name[0])}`,
      'start it with a letter or a digit',
    );
  }
  if (/[A-Z]/.test(name)) {
    return failWithSuggestion(
      name,
      language,
      `the project name ${shown} contains uppercase letters`,
      'package names are lowercase',
    );
  }
  const stray = /[^a-z0-9._-]/.exec(name);
  if (stray) {
    return failWithSuggestion(
      name,
      language,
      `the project name ${shown} contains ${JSON.stringify(stray[0])}`,
      `use ${allowedCharacters}`,
    );
  }
  if (/^_/.test(name)) {
    return failWithSuggestion(name, language, `the project name ${shown} starts with "_"`, 'start it with a letter or a digit');
  }
  if (/[-.]$/.test(name)) {
    return failWithSuggestion(
      name,
      language,
      `the project name ${shown} ends with ${JSON.stringify(name.at(-1))}`,
      'end it with a letter, a digit or "_"',
    );
  }
  if (windowsDeviceName.test(name)) {
    return failWithSuggestion(name, language, `${shown} is a reserved device name on Windows`, 'pick another name');
  }
  if (toolNames[language].has(name)) {
    return failWithSuggestion(
      name,
      language,
      `the project name ${shown} would shadow ${language === 'go' ? 'a name Go reserves' : 'a name its tooling uses'}`,
      'pick another name',
    );
  }
  return checkLanguageName(name, language, shown);
}

function checkLanguageName(name: string, language: LanguageId, shown: string): NameCheck {
  switch (language) {
    case 'python': {
      const importName = pythonImportName(name);
      if (/^[0-9]/.test(importName)) {
        return failWithSuggestion(
          name,
          language,
          `the Python import name ${JSON.stringify(importName)} would start with a digit`,
          'start the name with a letter',
          `py-${name}`,
        );
      }
      if (pythonKeywords.has(importName)) {
        return failWithSuggestion(name, language, `${JSON.stringify(importName)} is a Python keyword`, 'pick another name');
      }
      if (pythonStdlibModules.has(importName)) {
        return failWithSuggestion(
          name,
          language,
          `the project name ${shown} would shadow the Python standard-library module ${JSON.stringify(importName)}`,
          'pick another name',
        );
      }
      return { ok: true, packageName: importName };
    }
    case 'go': {
      if (goStdlibRoots.has(name)) {
        return failWithSuggestion(
          name,
          language,
          `the module path ${shown} would shadow the Go standard library package ${JSON.stringify(name)}`,
          'pick another name',
        );
      }
      return { ok: true, packageName: name };
    }
    case 'typescript': {
      const builtins = new Set(builtinModules.map((module) => module.replace(/^node:/, '')));
      if (builtins.has(name)) {
        return failWithSuggestion(
          name,
          language,
          `the package name ${shown} would shadow the Node.js built-in module ${JSON.stringify(name)}`,
          'pick another name',
        );
      }
      return { ok: true, packageName: name };
    }
  }
}
