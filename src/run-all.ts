// The one command that runs every folder's tests of a comparison. The
// commands are the catalogue's, the ones each folder's README gives.
//
// `run-tests` is a POSIX sh script: it needs nothing but the toolchains the
// tests need anyway, and runs on Linux, macOS, WSL and Git Bash. The
// Makefile only forwards to it, for those who type `make test` by habit;
// make is missing from stock Windows and from macOS without its command-line
// tools, so the script is the command, not the Makefile.

import type { ComparisonChoice } from './comparison.js';
import { formatCommand, type ProjectFile } from './project.js';

/** Where run-tests keeps each folder's output, relative to the top folder. */
export const testLogs = '.test-logs';

export function runAllFiles(choice: ComparisonChoice): ProjectFile[] {
  return [
    { path: 'run-tests', contents: runTestsScript(choice) },
    { path: 'Makefile', contents: makefile() },
    { path: '.gitignore', contents: `${testLogs}/\n` },
  ];
}

function runTestsScript(choice: ComparisonChoice): string {
  const ids = choice.projects.map((project) => project.target.id);
  const width = Math.max(...ids.map((id) => id.length));
  const cases = choice.projects.map(({ target, packageName }) => {
    const { install, test } = target.commands;
    // A folder installed by hand (or by --install) is not installed again.
    const setUp = install ? `{ [ -d node_modules ] || ${formatCommand(install, packageName)}; } && ` : '';
    return `    ${target.id}) ${setUp}${formatCommand(test, packageName)} ;;`;
  });
  return `#!/bin/sh
# Runs the tests of every folder, or of the folders named, one line each:
#   sh run-tests              every target
#   sh run-tests ${ids.slice(0, 2).join(' ')}
# Each folder's output goes to ${testLogs}/<folder>.log; the exit status is 1
# if any folder's tests failed. The commands are those of each folder's README.
set -u
cd "$(dirname "$0")"

all="${ids.join(' ')}"

run_tests() {
  case "$1" in
${cases.join('\n')}
  esac
}

for folder in "$@"; do
  case " $all " in
    *" $folder "*) ;;
    *) echo "run-tests: no folder $folder here (folders: $all)" >&2; exit 2 ;;
  esac
done
[ "$#" -gt 0 ] || set -- $all

mkdir -p ${testLogs}
failed=0
for folder in "$@"; do
  started=$(date +%s)
  if (cd "$folder" && run_tests "$folder") > "${testLogs}/$folder.log" 2>&1; then
    verdict=ok
  else
    verdict=FAIL
    failed=1
  fi
  printf '%-4s  %-${width}s  %4ss  %s\\n' "$verdict" "$folder" "$(($(date +%s) - started))" "${testLogs}/$folder.log"
done
exit $failed
`;
}

function makefile(): string {
  return `# make test runs every folder's tests, make test-<folder> one folder's: both through run-tests.
.PHONY: test
test:
\t@sh ./run-tests

test-%:
\t@sh ./run-tests $*
`;
}
