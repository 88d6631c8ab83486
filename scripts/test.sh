#!/usr/bin/env bash
# The whole test suite: installs what is missing, runs vitest against real processes,
# and ends with one plain line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --with-browser || exit 1

results=.test-results/vitest.json
rm -f "$results"
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@"
status=$?
if [ -f "$results" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const failedFiles = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests + failedFiles} failed`);
  ' "$results"
else
  echo "0 passed, 1 failed"
fi
exit $status
