#!/usr/bin/env bash
# Checks (or with --local, rewrites) each package's API report, etc/<name>.api.md,
# against its built typings: the published surface changes only on purpose.
# Run after a build. See docs/stack.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=()
if [[ "${1:-}" == "--local" ]]; then mode=(--local); fi
status=0
for config in packages/core/api-extractor.json packages/core/api-extractor.testing.json packages/workflow/api-extractor.json packages/data/api-extractor.json packages/workers/api-extractor.json packages/store/api-extractor.json packages/runs/api-extractor.json packages/distributed/api-extractor.json packages/server/api-extractor.json packages/client/api-extractor.json packages/cli/api-extractor.json; do
  if ! out=$(npx api-extractor run "${mode[@]}" --config "$config" 2>&1); then
    echo "$out" | grep -v '^$' >&2
    echo "api-report: $config: the API changed; if on purpose, run 'bash scripts/api-report.sh --local' and commit etc/*.api.md" >&2
    status=1
  fi
done
exit $status
