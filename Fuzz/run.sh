#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/Targets and runs each for a bounded time.
#
#   Fuzz/run.sh [seconds] [target…]     # default: 60 seconds, every target
#
# MeshLogCore is compiled once (with its C shims CInflate and CZstd, and zlib) into a static library
# instrumented for libFuzzer and AddressSanitizer, cached under .build-fuzz/ by a hash of its
# sources; each target is Fuzz/Support/*.swift plus Fuzz/Targets/<target>.swift linked against it.
# Seeds come from Fuzz/Corpus/<target> (read only); units the fuzzer adds go to
# .build-fuzz/corpus/<target>, crash, timeout and leak inputs to .build-fuzz/crashes/<target>/.
#
# Prints executions, exec/s and coverage (cov: edges, ft: features) per target. Exits 1 when a
# target found a crash; exits 0 with a message, running nothing, when the toolchain cannot build
# fuzz targets (no libFuzzer).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in Fuzz/Targets/*.swift; do targets+=("$(basename "$f" .swift)"); done
fi
for t in "${targets[@]}"; do
  [ -f "Fuzz/Targets/$t.swift" ] || { echo "no such fuzz target: $t (see Fuzz/Targets)" >&2; exit 2; }
done

out=${FUZZ_BUILD_DIR:-$root/.build-fuzz}
mkdir -p "$out"
swiftc=${SWIFTC:-swiftc}
clang=${CLANG:-clang}
# -O for executions per second; -g for symbolised ASan reports.
swift_flags=(-O -g -sanitize=fuzzer,address -parse-as-library)
c_flags=(-O1 -g -fsanitize=fuzzer-no-link,address)

# Can this toolchain build a libFuzzer target at all?
probe=$out/probe
mkdir -p "$probe"
cat >"$probe/probe.swift" <<'SWIFT'
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { 0 }
SWIFT
if ! "$swiftc" "${swift_flags[@]}" "$probe/probe.swift" -o "$probe/probe" >"$probe/log" 2>&1 \
   || ! command -v "$clang" >/dev/null; then
  echo "fuzz: skipped: this toolchain cannot build libFuzzer targets ($swiftc -sanitize=fuzzer,address failed; see $probe/log)"
  exit 0
fi

# The module under test, rebuilt only when its sources or the flags change.
sources=()
while IFS= read -r f; do sources+=("$f"); done < <(find Sources/MeshLogCore -name '*.swift' | LC_ALL=C sort)
key=$({ "$swiftc" --version 2>&1; echo "${swift_flags[*]} ${c_flags[*]}";
        cat "${sources[@]}" Sources/CInflate/inflate_isal.c Sources/CInflate/include/CInflate.h Sources/CZlib/* \
            Sources/CZstd/zstd_dl.c Sources/CZstd/include/CZstd.h; } \
      | sha256sum | cut -c1-16)
core=$out/core-$key
if [ ! -f "$core/done" ]; then
  echo "fuzz: building MeshLogCore for fuzzing ($core)"
  rm -rf "$core" && mkdir -p "$core"
  cat >"$core/CInflate.modulemap" <<MAP
module CInflate {
    header "$root/Sources/CInflate/include/CInflate.h"
    export *
}
MAP
  cat >"$core/CZstd.modulemap" <<MAP
module CZstd {
    header "$root/Sources/CZstd/include/CZstd.h"
    export *
}
MAP
  "$clang" -c "${c_flags[@]}" -ISources/CInflate/include Sources/CInflate/inflate_isal.c -o "$core/inflate_isal.o"
  "$clang" -c "${c_flags[@]}" -ISources/CZstd/include Sources/CZstd/zstd_dl.c -o "$core/zstd_dl.o"
  (cd "$core" && "$swiftc" "${swift_flags[@]}" -module-name MeshLogCore -enable-testing \
     -I "$root/Sources/CZlib" -Xcc -fmodule-map-file="$core/CInflate.modulemap" -Xcc -fmodule-map-file="$core/CZstd.modulemap" \
     -emit-module -emit-module-path MeshLogCore.swiftmodule -emit-library -static -o libMeshLogCore.a \
     "${sources[@]/#/$root/}")
  touch "$core/done"
  # Older builds of the module are no longer needed.
  for old in "$out"/core-*; do [ "$old" = "$core" ] || rm -rf "$old"; done
fi

# Each target, rebuilt when it, the support files or the module changed.
mkdir -p "$out/bin"
for t in "${targets[@]}"; do
  files=(Fuzz/Support/*.swift "Fuzz/Targets/$t.swift")
  tkey=$({ echo "$key"; cat "${files[@]}"; } | sha256sum | cut -c1-16)
  if [ ! -x "$out/bin/$t" ] || [ "$(cat "$out/bin/$t.key" 2>/dev/null)" != "$tkey" ]; then
    echo "fuzz: building $t"
    if ! "$swiftc" "${swift_flags[@]}" -I "$core" -I "$root/Sources/CZlib" \
         -Xcc -fmodule-map-file="$core/CInflate.modulemap" -Xcc -fmodule-map-file="$core/CZstd.modulemap" \
         "${files[@]}" "$core/libMeshLogCore.a" "$core/inflate_isal.o" "$core/zstd_dl.o" -lz -ldl \
         -o "$out/bin/$t" >"$out/bin/$t.log" 2>&1; then
      # The linker's warnings about ASan's local symbols are noise; errors are shown.
      grep -v "Cannot export local symbol" "$out/bin/$t.log" >&2
      exit 1
    fi
    echo "$tkey" >"$out/bin/$t.key"
  fi
done

# Run them one after another (the machine's cores are shared).
status=0
summary=()
for t in "${targets[@]}"; do
  corpus=$out/corpus/$t
  crashes=$out/crashes/$t
  mkdir -p "$corpus" "$crashes"
  log=$out/logs/$t.log
  mkdir -p "$(dirname "$log")"
  seeds=()
  [ -d "Fuzz/Corpus/$t" ] && seeds=("Fuzz/Corpus/$t")
  echo "fuzz: running $t for ${seconds}s"
  set +e
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    "$out/bin/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  set -e
  # The last status line: "#1234 DONE cov: 567 ft: 890 corp: …" (or the last pulse before a crash).
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corp=$(ls "$corpus" | wc -l)
  if [ $rc -eq 0 ]; then
    result=ok
  else
    status=1
    found=$(ls -t "$crashes" | head -1)
    result="FOUND (exit $rc): $crashes/$found; log $log"
    grep -E 'ERROR: |Fatal error|runtime failure|Sources/MeshLogCore' "$log" | head -6 | sed 's/^/  /'
  fi
  line=$(printf '%-16s execs %10s  exec/s %7s  cov %5s  ft %6s  corpus %5s  %s' \
         "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$corp" "$result")
  echo "$line"
  summary+=("$line")
done
echo
echo "fuzz summary (${seconds}s per target):"
printf '%s\n' "${summary[@]}"
exit $status
