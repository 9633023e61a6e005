#!/usr/bin/env bash
# What a change costs per saga, measured: the benchmark's saga phase (quick mode, PostgreSQL +
# RabbitMQ) run alternately on a baseline build and on the working tree's build, in one script on
# one machine, so both sides see the same noise. Prints machine CPU per completed saga (and its
# split by process) for every run and the ratio of the medians.
#
#   bench/compare-builds.sh <baseline-revision> [repeats, default 3]
#
# BENCH_ARGS adds benchmark properties to every run, e.g. BENCH_ARGS="-Dsagaflow.bench.full-speed-sagas=1500"
# (more sagas per run: less spread between runs, longer runs).
#
# Needs what the benchmark needs (docs/performance.md): PostgreSQL and RabbitMQ on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=${1:?usage: bench/compare-builds.sh <baseline-revision> [repeats]}
repeats=${2:-3}
work=$(mktemp -d)
trap 'git worktree remove --force "$work/baseline-tree" >/dev/null 2>&1 || true' EXIT

echo "== building $baseline and the working tree"
git worktree add -q --detach "$work/baseline-tree" "$baseline"
(cd "$work/baseline-tree" && mvn -B -ntp -q package -DskipTests)
cp "$work"/baseline-tree/target/sagaflow-*-SNAPSHOT.jar "$work/baseline.jar"
mvn -B -ntp -q package -DskipTests
cp target/sagaflow-*-SNAPSHOT.jar "$work/head.jar"

for run in $(seq 1 "$repeats"); do
  for build in baseline head; do
    echo "== run $run of $repeats: $build"
    # shellcheck disable=SC2086 # BENCH_ARGS is a list of arguments
    mvn -B -ntp -q verify -Pbenchmark -Dsagaflow.bench.quick=true -Dsagaflow.bench.only=sagas ${BENCH_ARGS:-} \
        -Dsagaflow.bench.jar="$work/$build.jar" -Dsagaflow.bench.output="$work/$build-$run" > "$work/$build-$run.log" 2>&1 \
      || { echo "benchmark run failed, see $work/$build-$run.log"; exit 1; }
  done
done

python3 - "$work" "$repeats" <<'PY'
import json, statistics, sys
work, repeats = sys.argv[1], int(sys.argv[2])
groups = ["postgresql", "rabbitmq", "service", "load", "rest", "machine"]
medians = {}
print("CPU per completed outbox saga, ms (" + ", ".join(groups) + "), sagas/s")
for build in ["baseline", "head"]:
    machine = []
    for run in range(1, repeats + 1):
        h = json.load(open(f"{work}/{build}-{run}/benchmark.json"))["headline"]
        cpu = [h.get(f"outboxSagaCpuMicros.{g}", float("nan")) / 1000 for g in groups]
        machine.append(cpu[-1])
        print(f"  {build:8} run {run}: " + " ".join(f"{c:6.1f}" for c in cpu)
              + f"   {h.get('outboxSagasPerSecond', float('nan')):.1f}/s")
    medians[build] = statistics.median(machine)
print(f"median machine CPU per saga: baseline {medians['baseline']:.1f} ms, head {medians['head']:.1f} ms, "
      f"head/baseline {medians['head'] / medians['baseline']:.3f}")
PY
