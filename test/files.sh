#!/bin/sh
# The test files `npm test` runs: one for each test/**/*.test.ts, as pretest compiled it into
# dist/test/ (the sources are type-checked by `npm run typecheck`). The longest run first: two
# files run at a time, and a long one started last would keep one worker busy alone.
cd "$(dirname "$0")/.." || exit 1
longest="test/e2e/bad-input.test.ts test/e2e/parity-execute.test.ts test/e2e/build.test.ts
  test/e2e/warm-start.test.ts test/e2e/faults.test.ts test/e2e/parameters.test.ts
  test/e2e/python-kernel.test.ts test/kernel/client.test.ts test/render/markdown.test.ts
  test/e2e/kernel-processes.test.ts test/e2e/resource-limits.test.ts test/e2e/spec-page.test.ts
  test/e2e/ig-jekyll.test.ts test/render/tag-remove.test.ts
  test/e2e/jupyter-server.test.ts test/kernel/tslab-corpus.test.ts test/e2e/old-nbformat.test.ts"
{
  for f in $longest; do echo "$f"; done
  find test -name '*.test.ts' | sort | grep -v -x -F "$(for f in $longest; do echo "$f"; done)"
} | sed 's|^\(.*\)\.ts$|dist/\1.js|'
