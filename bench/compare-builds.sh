#!/usr/bin/env bash
# What a change costs per saga, measured: the benchmark's saga phase (quick mode, PostgreSQL +
# RabbitMQ) run alternately on a baseline build and on the working tree's build, in one script on
# one machine, so both sides see the same noise. Prints machine CPU per completed saga (and its
# split by process), PostgreSQL's statements, transactions, rows written and WAL bytes per saga
# for every run, and the ratios of the medians.
#
#   bench/compare-builds.sh <baseline-revision> [repeats, default 3]
#
# BENCH_ARGS adds benchmark properties to every run, e.g. BENCH_ARGS="-Dsagaflow.bench.full-speed-sagas=1500"
# (more sagas per run: less spread between runs, longer runs). HEAD_BENCH_ARGS adds them to the
# working tree's runs only: with HEAD as the baseline, that compares two configurations of one build.
# BENCH_ONLY picks the phases, in order, repeats allowed (default "sagas"; "relay,perftest" measures
# the relay's drain, its CPU per message with the removal of sent rows, and PerfTest beside it;
# "naive,sagas,sagas,naive" Sagaflow's saga against the naive dual write, each side first once).
#
#   HEAD_BENCH_ARGS=-Dsagaflow.bench.service-arguments=--sagaflow.outbox.retention=PT0S \
#     BENCH_ONLY=relay,perftest bench/compare-builds.sh HEAD 3
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
# The executable jar: src/app/target since the build has modules, target before.
service_jar() { ls "$1"/src/app/target/sagaflow-*-SNAPSHOT.jar "$1"/target/sagaflow-*-SNAPSHOT.jar 2>/dev/null | head -1; }
cp "$(service_jar "$work/baseline-tree")" "$work/baseline.jar"
mvn -B -ntp -q package -DskipTests
cp "$(service_jar .)" "$work/head.jar"

for run in $(seq 1 "$repeats"); do
  for build in baseline head; do
    echo "== run $run of $repeats: $build"
    extra=${BENCH_ARGS:-}
    if [ "$build" = head ]; then extra="$extra ${HEAD_BENCH_ARGS:-}"; fi
    # shellcheck disable=SC2086 # the extra arguments are a list
    mvn -B -ntp -q verify -Pbenchmark -Dsagaflow.bench.quick=true -Dsagaflow.bench.only="${BENCH_ONLY:-sagas}" $extra \
        -Dsagaflow.bench.jar="$work/$build.jar" -Dsagaflow.bench.output="$work/$build-$run" > "$work/$build-$run.log" 2>&1 \
      || { echo "benchmark run failed, see $work/$build-$run.log"; exit 1; }
  done
done

python3 - "$work" "$repeats" <<'PY'
import json, math, statistics, sys
work, repeats = sys.argv[1], int(sys.argv[2])
groups = ["postgresql", "rabbitmq", "service", "load", "rest", "machine"]
# The report writes figures it could not measure as the string "NaN".
runs = {build: [{k: float(v) for k, v in json.load(open(f"{work}/{build}-{run}/benchmark.json"))["headline"].items()}
                for run in range(1, repeats + 1)] for build in ["baseline", "head"]}

def compare(title, prefix, unit_scale, rate_keys):
    if all(math.isnan(h.get(prefix + "machine", float("nan"))) for h in runs["baseline"]):
        return
    print(title + " (" + ", ".join(groups) + "), " + ", ".join(rate_keys))
    medians = {}
    for build, headlines in runs.items():
        machine = []
        for run, h in enumerate(headlines, 1):
            cpu = [h.get(prefix + g, float("nan")) / unit_scale for g in groups]
            machine.append(cpu[-1])
            print(f"  {build:8} run {run}: " + " ".join(f"{c:6.1f}" for c in cpu) + "   "
                  + " ".join(f"{h.get(k, float('nan')):,.1f}" for k in rate_keys))
        medians[build] = statistics.median(machine)
    print(f"  median machine CPU: baseline {medians['baseline']:.1f}, head {medians['head']:.1f}, "
          f"head/baseline {medians['head'] / medians['baseline']:.3f}")

compare("CPU per completed outbox saga, ms", "outboxSagaCpuMicros.", 1000, ["outboxSagasPerSecond"])

# Machine CPU of Sagaflow's saga against the naive dual-write saga (BENCH_ONLY with naive; give
# naive,sagas,sagas,naive so neither side always runs first): per run, in the same build and the
# working tree's saga against the baseline build's naive saga.
def machine(h, saga):
    return h.get(saga + "SagaCpuMicros.machine", float("nan")) / 1000
if not all(math.isnan(machine(h, "naive")) for h in runs["baseline"]):
    print("Machine CPU per completed saga, ms: outbox, naive, outbox/naive (same build)")
    ratios = {"baseline": [], "head": [], "cross": []}
    for build, headlines in runs.items():
        for run, h in enumerate(headlines, 1):
            ratio = machine(h, "outbox") / machine(h, "naive")
            ratios[build].append(ratio)
            print(f"  {build:8} run {run}: {machine(h, 'outbox'):6.1f} {machine(h, 'naive'):6.1f} {ratio:6.3f}")
    for h, b in zip(runs["head"], runs["baseline"]):
        ratios["cross"].append(machine(h, "outbox") / machine(b, "naive"))
    print(f"  median outbox/naive: baseline {statistics.median(ratios['baseline']):.3f}, "
          f"head {statistics.median(ratios['head']):.3f}; head's outbox / baseline's naive, run by run: "
          + ", ".join(f"{r:.3f}" for r in ratios["cross"]) + f" (median {statistics.median(ratios['cross']):.3f})")

# PostgreSQL's work per completed saga (DatabaseWork in the benchmark): the statements and rows need
# pg_stat_statements in shared_preload_libraries, else they are NaN and only WAL and CPU compare.
figures = ["statements", "camundaStatements", "transactions", "rowsWritten", "walBytes", "executionMillis"]
for saga in ["outbox", "naive"]:  # naive only with BENCH_ONLY=sagas,naive
    prefix = saga + "SagaDatabase."
    if all(math.isnan(h.get(prefix + "walBytes", float("nan"))) for h in runs["baseline"]):
        continue
    print(f"PostgreSQL per completed {saga} saga (" + ", ".join(figures) + ", PostgreSQL CPU ms, machine CPU ms)")
    medians = {}
    for build, headlines in runs.items():
        rows = []
        for run, h in enumerate(headlines, 1):
            row = [h.get(prefix + f, float("nan")) for f in figures]
            row.append(h.get(saga + "SagaCpuMicros.postgresql", float("nan")) / 1000)
            row.append(h.get(saga + "SagaCpuMicros.machine", float("nan")) / 1000)
            rows.append(row)
            print(f"  {build:8} run {run}: " + " ".join(f"{v:9.1f}" for v in row))
        medians[build] = [statistics.median(column) for column in zip(*rows)]
    print("  head/baseline of the medians: " + ", ".join(f"{name} {h / b:.2f}" for name, b, h in
          zip(figures + ["postgresqlCpu", "machineCpu"], medians["baseline"], medians["head"])))
PY
