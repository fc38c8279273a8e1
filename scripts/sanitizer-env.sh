# Sanitizer run-time options for the asan and tsan builds; scripts/test.sh sources this file, and
# so can a developer before `ctest --preset asan` (or asan-ci, tsan, tsan-ci):
#   source scripts/sanitizer-env.sh LOGDIR
# Every report (AddressSanitizer, LeakSanitizer, UBSan, ThreadSanitizer) stops the process with
# SIGABRT and is also written to LOGDIR/<sanitizer>.<program>.<pid> (UBSan writes its SUMMARY line
# there, with the check, file and line, and the diagnostic and stack to stderr). A test that runs
# vigil as a child process and does not look at its exit status still leaves that file, and
# scripts/test.sh fails when LOGDIR holds any (sanitizer_logs_check below). The options travel to
# every child through the environment: CTest, the Python end-to-end tests and vigil's own child
# processes inherit it.
# Suppressions: tests/sanitizers/*.supp, only for code inside uninstrumented third-party
# libraries, each entry with its reason and the stack it was seen with.
# Sanitizer flag reference: https://github.com/google/sanitizers/wiki/SanitizerCommonFlags
if [ $# -ne 1 ]; then
  echo "usage: source scripts/sanitizer-env.sh LOGDIR" >&2
  return 2 2>/dev/null || exit 2
fi
vigil_san_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vigil_san_logs="$1"
mkdir -p "$vigil_san_logs"
vigil_san_logs="$(cd "$vigil_san_logs" && pwd)"
# halt_on_error: stop at the first report (the build also has -fno-sanitize-recover=undefined);
# abort_on_error: SIGABRT rather than exit status 1 (ASan's and UBSan's default), which vigil
# itself uses for "finished with warnings";
# detect_leaks: LeakSanitizer at exit; check_initialization_order: static-init order bugs.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1:print_summary=1:suppressions=$vigil_san_root/tests/sanitizers/asan.supp:log_path=$vigil_san_logs/asan:log_exe_name=1"
export LSAN_OPTIONS="suppressions=$vigil_san_root/tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:report_error_type=1:print_summary=1:log_path=$vigil_san_logs/ubsan:log_exe_name=1"
export TSAN_OPTIONS="halt_on_error=1:abort_on_error=1:second_deadlock_stack=1:history_size=7:suppressions=$vigil_san_root/tests/sanitizers/tsan.supp:print_suppressions=0:log_path=$vigil_san_logs/tsan:log_exe_name=1"

# sanitizer_logs_check: prints every report in the log folder; fails when there is one.
sanitizer_logs_check() {
  local n
  n=$(find "$vigil_san_logs" -type f | wc -l)
  if [ "$n" -ne 0 ]; then
    echo "sanitizer reports: $n in $vigil_san_logs" >&2
    find "$vigil_san_logs" -type f -print0 | sort -z | xargs -0 -n1 sh -c 'echo "==== $0"; cat "$0"' >&2
    return 1
  fi
  echo "sanitizer reports: none in $vigil_san_logs"
}
