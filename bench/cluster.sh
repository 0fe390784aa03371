#!/bin/sh
# Ward's cluster end to end on this machine (docs/benchmarks.md, "Cluster"): a local 3-node
# JetStream cluster (R3) and 1 then 2 workers; events/s from the first publish to the last
# partition caught up, and publish-to-alert latency (JetStream's time of each alert minus that of
# the raw event fed last before it). Then `ward hunt` on the same input for comparison.
#   bench/cluster.sh [PATH...]     (default: the demo and the shared EVTX corpora)
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet -p ward
if [ $# -eq 0 ]; then
    set -- demo/outbreak ../shared/data/evtx-attack-samples ../shared/data/evtx-to-mitre
fi
for workers in 1 2; do
    target/release/ward cluster-check --workers "$workers" "$@" || true
done
/usr/bin/time -f "ward hunt: %e s wall, %U s user, %S s sys" \
    target/release/ward hunt --no-default-rules --quiet --format json "$@" >/dev/null
