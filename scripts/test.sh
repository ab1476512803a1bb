#!/usr/bin/env bash
# Every test: installs what is missing, builds, and runs
#   1. unit, integration (real Redis/PostgreSQL started by the harness) and e2e tests
#      on the release build,
#   2. the same under AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. unit and integration tests under ThreadSanitizer,
#   4. every libFuzzer target for QUFLX_FUZZ_SECONDS (default 20) each, from its corpus.
# Any failure fails the run; the summary at the end says which stage.
# QUFLX_TEST_STAGES="release asan" runs a subset (default: all of them).
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$QUFLX_ROOT"

ensure_packages "${QUFLX_BUILD_PACKAGES[@]}" "${QUFLX_TEST_PACKAGES[@]}"
ensure_node

STAGES="${QUFLX_TEST_STAGES:-release asan tsan fuzz}"
FUZZ_SECONDS="${QUFLX_FUZZ_SECONDS:-20}"
JOBS="${QUFLX_TEST_JOBS:-2}"
results=()
failed=0

stage() {
  local name="$1"; shift
  local start=$SECONDS
  say "stage $name"
  if "$@"; then
    results+=("PASS  $name ($((SECONDS - start)) s)")
  else
    results+=("FAIL  $name ($((SECONDS - start)) s)")
    failed=1
  fi
}

ctest_in() {
  local preset="$1"; shift
  ctest --test-dir "build/$preset" --output-on-failure --timeout 300 -j "$JOBS" "$@"
}

# npm packages for tests/js, reinstalled only when the lock file changed.
npm_ci() {
  local dir="$1"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || return 1
  fi
}

release() { npm_ci tests/js && build_preset release && ctest_in release; }
asan() {
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  npm_ci tests/js && build_preset asan && ctest_in asan
}
tsan() {
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
  build_preset tsan && ctest_in tsan -L 'unit|integration'
}
fuzz() {
  # Undefined behaviour is a finding, as a crash is (also when this stage runs alone).
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  build_preset fuzz || return 1
  local ok=0 target name corpus
  for target in build/fuzz/fuzz/fuzz_*; do
    [ -x "$target" ] || continue
    name="$(basename "$target")"
    corpus="fuzz/corpus/${name#fuzz_}"
    mkdir -p "$corpus" build/fuzz/work/"$name"
    say "fuzzing $name for ${FUZZ_SECONDS}s"
    if ! "$target" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix=build/fuzz/work/"$name"/ build/fuzz/work/"$name" "$corpus" \
        >build/fuzz/work/"$name".log 2>&1; then
      tail -n 40 build/fuzz/work/"$name".log
      ok=1
    fi
  done
  return $ok
}

for s in $STAGES; do
  case "$s" in
    release|asan|tsan|fuzz) stage "$s" "$s" ;;
    *) die "unknown stage '$s' (release, asan, tsan, fuzz)" ;;
  esac
done

say "summary:"
for r in "${results[@]}"; do echo "  $r" >&2; done
exit $failed
