#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test suite (unit,
# golden vectors, end-to-end tests of the binary in temporary git repositories).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
swift build --build-tests
swift test --skip-build "$@"
