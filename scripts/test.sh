#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite three times over; this is what
# .ci/run calls. Exit status is non-zero when any build step or test fails, or when a sanitizer
# reported anything.
#   1. deps            scripts/install-deps.sh
#   2. release build   the release preset
#   3. node validators the pinned npm packages of the CASE/UCO validator
#   4. release tests   every CTest test (unit, end-to-end, fuzz replays, man pages, format check)
#   5. asan build      the asan-ci preset: the asan preset (AddressSanitizer + UBSan) at -O1
#   6. asan tests      every CTest test of that build, with LeakSanitizer at exit
#   7. tsan build      the tsan-ci preset (the tsan preset at -O1), only what stage 8 runs
#   8. tsan tests      the pipeline unit tests and the scan end-to-end tests
# The sanitizer builds read the release build's testdata images (VIGIL_TESTDATA_FROM) instead of
# drawing them again. A sanitizer report aborts the process and is also logged to
# build/<preset>/sanitizer-logs; any file there fails the stage (scripts/sanitizer-env.sh).
# VIGIL_TEST_STAGES picks the groups of stages to run: release,asan,tsan (the default), or any
# of them. oneTBB (libtbb.so) is uninstrumented: the hand-offs it makes between threads in our
# parallel_pipelines are stated to ThreadSanitizer (lib/pipeline/src/hand_offs.hpp), and what
# lies wholly inside uninstrumented libraries is in tests/sanitizers/tsan.supp with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc)
groups=",${VIGIL_TEST_STAGES:-release,asan,tsan},"
failed=0  # a failed test stage lets the next stages run; a failed build stops the script

stage_times=()
report_times() {
  local rc=$?
  echo
  echo "stage times (s):"
  local t
  for t in "${stage_times[@]}"; do echo "  $t"; done
  return $rc
}
trap report_times EXIT
# stage NAME COMMAND...: runs one stage with a banner and records its wall time.
stage() {
  local name=$1 start=$SECONDS rc=0
  shift
  echo
  echo "=== stage: $name ($(date -u +%H:%M:%S) UTC)"
  "$@" || rc=$?
  stage_times+=("$name $((SECONDS - start))$([ $rc -eq 0 ] || echo " FAILED (exit $rc)")")
  return $rc
}

configure() {  # configure PRESET [cmake -D options...]
  cmake --preset "$@" >/dev/null
}

stage deps ./scripts/install-deps.sh

if [[ $groups == *,release,* ]]; then
  stage "release build" ./scripts/build.sh release
  stage "node validators" ./scripts/setup-node-validators.sh build/node-validators
  stage "release tests" ctest --preset release -j "$jobs" --timeout 900 || failed=1
fi

# sanitized PRESET COMMAND...: runs the command (tests of that build) with the sanitizer options
# of scripts/sanitizer-env.sh in a subshell, then the log check; both must pass.
sanitized() {
  local preset=$1
  shift
  rm -rf "build/$preset/sanitizer-logs"
  (
    # shellcheck source=scripts/sanitizer-env.sh
    source scripts/sanitizer-env.sh "build/$preset/sanitizer-logs"
    rc=0
    "$@" || rc=$?
    sanitizer_logs_check || rc=1
    exit $rc
  )
}

# Both sanitizer builds read the release build's images; that build's testdata_build fixture
# (re)draws them there when they are missing or stale.
testdata_from=(-DVIGIL_TESTDATA_FROM="$root/build/release")

if [[ $groups == *,asan,* ]]; then
  asan_build() {
    configure asan-ci "${testdata_from[@]}"
    cmake --build --preset asan-ci -j "$jobs"
  }
  stage "asan build" asan_build
  # Every test of the build. The tests' own time limits are 3x the release ones there
  # (VIGIL_TIMEOUT_SCALE, cmake/warnings.cmake); 2700 s is the limit of those without one.
  stage "asan tests" sanitized asan-ci ctest --preset asan-ci -j "$jobs" --timeout 2700 || failed=1
fi

if [[ $groups == *,tsan,* ]]; then
  # vigil (with its plugins, media module and testdata tools) and the pipeline unit tests.
  tsan_build() {
    configure tsan-ci "${testdata_from[@]}"
    cmake --build --preset tsan-ci -j "$jobs" --target vigil vigil_pipeline_tests
  }
  stage "tsan build" tsan_build
  # The pipeline's unit tests (scan, extraction, extraction inside a scan: the threaded paths of
  # vigil scan), then the end-to-end scan tests, which scan with several threads. Not e2e_extract:
  # 13 minutes under TSan on a loaded machine would push CI past its hour, and ExtractionTest
  # runs the same threaded code.
  tsan_tests() {
    local rc=0
    build/tsan-ci/lib/pipeline/vigil_pipeline_tests || rc=$?
    ctest --preset tsan-ci -j "$jobs" -R '^(testdata_build|e2e_scan)$' || rc=$?
    return $rc
  }
  stage "tsan tests" sanitized tsan-ci tsan_tests || failed=1
fi
exit $failed
