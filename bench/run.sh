#!/usr/bin/env bash
# Ward's benchmark harness. Builds Ward (release), prepares the corpora, runs Ward and any peer
# given by path, and prints one table of wall time, CPU time and peak RSS with ratios.
#
#   bench/run.sh evtx      # the 117 EVTX files under ../shared/data (all but sigma/), SigmaHQ windows rules
#   bench/run.sh evtx-copies  # the same files read COPIES times (default 220, about 5 M events)
#   bench/run.sh large     # generated 5M Windows events (JSON) + 5M network lines; also 1x/10x memory
#   bench/run.sh startup   # rule compilation only (~3,800 rules)
#
# Peers (optional, same input, same rules, same threads, streaming output):
#   EVTX_DUMP=/path/evtx_dump HAYABUSA=/path/hayabusa [HAYABUSA_CONFIG=/path/rules/config] CHAINSAW=/path/chainsaw bench/run.sh evtx
# RUNS (default 5) sets the repetitions; the median is reported. THREADS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DATA=${DATA:-$ROOT/../shared/data}
RUNS=${RUNS:-5}
THREADS=${THREADS:-2}
WORK=${WORK:-$ROOT/target/bench}
mkdir -p "$WORK"

cargo build --release -q -p ward
WARD=$ROOT/target/release/ward

# measure NAME CMD...: runs CMD $RUNS times, records "name wall user+sys maxrss_kib" of the median run.
measure() {
  local name=$1; shift
  local rows=()
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/stderr.txt" || true
    read -r wall user sys rss <"$WORK/time.txt" || { tail -n 3 "$WORK/stderr.txt" >&2; return; }
    rows+=("$wall $(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}') $rss")
  done
  printf '%s\n' "${rows[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p" | sed "s/^/$name /" >>"$WORK/results.txt"
}

table() {
  local base
  base=$(awk 'NR==1 {print $2}' "$WORK/results.txt")
  printf '%-28s %9s %9s %11s %9s\n' tool "wall s" "cpu s" "peak MiB" "wall/1st"
  awk -v b="$base" '{ printf "%-28s %9.2f %9.2f %11.1f %9.2f\n", $1, $2, $3, $4/1024, $2/b }' "$WORK/results.txt"
}

MODE=${1:-evtx}
case "$MODE" in
  evtx|evtx-copies)
    rm -f "$WORK/results.txt"
    rm -rf "$WORK/evtx" && mkdir -p "$WORK/evtx"
    n=0
    while IFS= read -r -d '' f; do n=$((n+1)); ln -s "$f" "$WORK/evtx/$n.evtx"; done \
      < <(find "$DATA" -name '*.evtx' -not -path '*/sigma/*' -print0 | sort -z)
    corpus=$WORK/evtx
    if [ "$MODE" = evtx-copies ]; then
      # EVTX at scale: the corpus read COPIES times (symbolic links, default 220 ≈ 5 M events),
      # since the generator writes JSON only. One run each unless RUNS_LARGE says otherwise.
      COPIES=${COPIES:-220}
      RUNS=${RUNS_LARGE:-1}
      corpus=$WORK/evtx-copies
      rm -rf "$corpus" && mkdir -p "$corpus"
      for c in $(seq "$COPIES"); do
        for f in "$WORK"/evtx/*.evtx; do ln -s "$(readlink -f "$f")" "$corpus/$c-$(basename "$f")"; done
      done
      n=$((n * COPIES))
    fi
    echo "corpus: $n EVTX files ($corpus); rules: $DATA/sigma/rules/windows; threads: $THREADS; median of $RUNS"
    if [ -n "${EVTX_DUMP:-}" ]; then
      measure evtx_dump-floor sh -c "for f in $corpus/*.evtx; do $EVTX_DUMP -t $THREADS -o jsonl \$f; done"
    fi
    measure ward-hunt "$WARD" hunt "$corpus" --rules "$DATA/sigma/rules/windows" --format jsonl -q --threads "$THREADS"
    if [ "$MODE" = evtx-copies ]; then
      measure ward-hunt-1thread "$WARD" hunt "$corpus" --rules "$DATA/sigma/rules/windows" --format jsonl -q --threads 1
    fi
    if [ -n "${HAYABUSA:-}" ]; then
      if "$HAYABUSA" help 2>/dev/null | grep -q dfir-timeline; then
        # Hayabusa 4 names it dfir-timeline. SigmaHQ rules carry no Channel condition, so its
        # channel filters would leave 2 of 2,407 rules on: -A -a turn them off. HAYABUSA_CONFIG
        # is its rules/config folder (from the hayabusa-rules repository) when not ./rules/config.
        measure hayabusa "$HAYABUSA" dfir-timeline -d "$corpus" -r "$DATA/sigma/rules/windows" \
          ${HAYABUSA_CONFIG:+-c "$HAYABUSA_CONFIG"} -t jsonl -o "$WORK/hayabusa.jsonl" \
          -w -q -C -N -K -Q -A -a --threads "$THREADS"
      else
        measure hayabusa "$HAYABUSA" json-timeline -d "$corpus" -r "$DATA/sigma/rules/windows" -L -o "$WORK/hayabusa.jsonl" -w -q -C -t "$THREADS" --no-summary
      fi
    fi
    if [ -n "${CHAINSAW:-}" ]; then
      measure chainsaw "$CHAINSAW" hunt "$corpus" -s "$DATA/sigma/rules/windows" --mapping "${CHAINSAW_MAPPING:-mappings/sigma-event-logs-all.yml}" --jsonl --skip-errors -q
    fi
    table
    ;;
  large)
    rm -f "$WORK/results.txt"
    if [ ! -f "$WORK/large/conn.log" ]; then
      python3 bench/gen_corpus.py "$WORK/large" --windows 5000000 --network 5000000 --hosts 50
    fi
    if [ ! -f "$WORK/small/conn.log" ]; then
      python3 bench/gen_corpus.py "$WORK/small" --windows 500000 --network 500000 --hosts 50
    fi
    echo "corpus: 5M Windows events (JSON) + 5M Zeek conn lines; 1x = 0.5M + 0.5M; threads: $THREADS"
    RUNS=${RUNS_LARGE:-1}
    measure ward-1x "$WARD" hunt "$WORK/small" --format jsonl -q --threads "$THREADS"
    measure ward-10x "$WARD" hunt "$WORK/large" --format jsonl -q --threads "$THREADS"
    measure ward-10x-1thread "$WARD" hunt "$WORK/large" --format jsonl -q --threads 1
    table
    ;;
  startup)
    rm -f "$WORK/results.txt"
    empty=$WORK/empty.jsonl; : >"$empty"
    measure ward-rules-only "$WARD" hunt "$empty" -r "$DATA/sigma/rules" -r "$DATA/sigma/rules-emerging-threats" -r "$DATA/sigma/rules-threat-hunting" -q
    table
    ;;
  *) echo "usage: bench/run.sh evtx|evtx-copies|large|startup" >&2; exit 2 ;;
esac
