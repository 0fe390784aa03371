#!/usr/bin/env bash
# Are two Ward builds' outputs byte-identical? Runs REF_BIN and NEW_BIN on the same inputs and
# diffs every output, ignoring only the report's creation time (`generated_at`).
#
#   bench/compare-outputs.sh REF_BIN NEW_BIN          # demo/ (hunt, intel, assets, audit, spill)
#   EVTX=1 bench/compare-outputs.sh REF_BIN NEW_BIN   # also the EVTX corpus of ../shared/data
#                                                     # with SigmaHQ's Windows rules
#
# Exits 0 when every output is identical, 1 otherwise (the first lines of each diff are shown).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { sed -n 2,8p "$0"; exit 2; }
REF=$(readlink -f "$1")
NEW=$(readlink -f "$2")
DATA=${DATA:-../shared/data}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failed=0

# run SIDE NAME ARGS...: runs the ref or new binary with ARGS, keeping standard output with the
# creation time blanked (the only field that differs between runs).
run() {
  local side=$1 name=$2; shift 2
  local bin=$REF; [ "$side" = new ] && bin=$NEW
  "$bin" "$@" -q 2>"$WORK/$name.$side.err" \
    | sed -E 's/"generated_at": ?"[^"]*"/"generated_at":""/' >"$WORK/$name.$side" || true
}

# same NAME: diffs the two sides' outputs.
same() {
  local name=$1
  if [ -s "$WORK/$name.ref" ] && cmp -s "$WORK/$name.ref" "$WORK/$name.new"; then
    printf 'identical  %-28s %9d bytes\n' "$name" "$(wc -c <"$WORK/$name.ref")"
  else
    printf 'DIFFERENT  %s\n' "$name"
    diff "$WORK/$name.ref" "$WORK/$name.new" | head -20 || true
    [ -s "$WORK/$name.ref" ] || { echo "  (empty output)"; head -5 "$WORK/$name.ref.err"; }
    failed=1
  fi
}

# compare NAME ARGS...: both binaries with the same ARGS.
compare() {
  local name=$1; shift
  run ref "$name" "$@"
  run new "$name" "$@"
  same "$name"
}

DEMO=demo/outbreak
compare demo-json       hunt "$DEMO" -f json
compare demo-jsonl      hunt "$DEMO" -f jsonl
compare demo-csv        hunt "$DEMO" -f csv
compare demo-assets     hunt "$DEMO" -f json --assets "$DEMO/assets.csv"
for intel in demo/intel/*; do
  compare "demo-intel-$(basename "$intel")" hunt "$DEMO" -f json --assets "$DEMO/assets.csv" --intel "$intel"
done
compare demo-window     hunt "$DEMO" -f json --from 2026-03-02T09:00:00Z --to 2026-03-02T12:00:00Z
compare demo-threads-1  hunt "$DEMO" -f json -t 1
compare demo-audit      audit "$DEMO" -f json --intel demo/intel/kwampirs.txt --as-of 2026-03-10

# The on-disk sort, forced by a tiny chunk: the old build read `WARD_SPILL_CHUNK`, the new one
# takes the hidden `--spill-chunk` option instead (set SPILL_FLAG_REF=1 when both take it).
if [ "${SPILL_FLAG_REF:-0}" = 1 ]; then
  run ref demo-spill hunt "$DEMO" -f json --assets "$DEMO/assets.csv" --spill-chunk 7
else
  WARD_SPILL_CHUNK=7 run ref demo-spill hunt "$DEMO" -f json --assets "$DEMO/assets.csv"
fi
run new demo-spill hunt "$DEMO" -f json --assets "$DEMO/assets.csv" --spill-chunk 7
same demo-spill

if [ "${EVTX:-0}" = 1 ]; then
  # The EVTX files of the corpus (as bench/run.sh evtx reads them), SigmaHQ's Windows rules.
  mkdir -p "$WORK/evtx"
  n=0
  while IFS= read -r -d '' f; do n=$((n+1)); ln -s "$(readlink -f "$f")" "$WORK/evtx/$n.evtx"; done \
    < <(find "$DATA" -name '*.evtx' -not -path '*/sigma/*' -print0 | sort -z)
  compare evtx-sigma    hunt "$WORK/evtx" -f jsonl --rules "$DATA/sigma/rules/windows"
  compare evtx-json     hunt "$WORK/evtx" -f json --rules "$DATA/sigma/rules/windows"
  compare evtx-audit    audit "$WORK/evtx" -f json --as-of 2026-03-10
fi
exit $failed
