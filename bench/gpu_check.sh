#!/usr/bin/env bash
# The study on a GPU machine, in one go: set up the CUDA build of TensorFlow,
# time the trainer at 28 and 64 px, build the standard report from an empty
# runs folder, and print one table of what was measured.
#
#   bash bench/gpu_check.sh            # on the GPU machine, from the repository root
#   bash bench/gpu_check.sh --dry-run  # the same steps, small, on a CPU (checks the script)
#
# Needs the HAM10000 data where GAN_STUDY_DATA_DIR points (or data/raw); the
# dry run needs none. Every step runs under `timeout`, so the whole check ends
# within about ten minutes (BUDGET_S, default 540 s): a step that runs out of
# time is reported as such, with the time it had, never as a result. Runs,
# caches and the build go to a fresh folder under ${TMPDIR:-/tmp}, so a
# developer's runs/ is neither reused nor touched.
set -euo pipefail
cd "$(dirname "$0")/.."

dry=0
case "${1:-}" in
    --dry-run) dry=1 ;;
    "") ;;
    *) echo "usage: bash bench/gpu_check.sh [--dry-run]" >&2; exit 2 ;;
esac

budget=${BUDGET_S:-540}
start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/gan-study-gpu-check.XXXXXX")
export GAN_STUDY_RUNS_DIR="$work/runs" GAN_STUDY_CACHE_DIR="$work/cache"
export TF_CPP_MIN_LOG_LEVEL=2
rows=()

left() { echo $(( budget - ($(date +%s) - start) )); }

# step NAME SECONDS COMMAND...: run COMMAND under a timeout; record its outcome
step() {
    local name=$1 limit=$2; shift 2
    local t0 rc=0
    t0=$(date +%s)
    if (( limit < 10 )); then
        rows+=("| $name | not run: the time budget was spent |")
        return 0
    fi
    echo "== $name (at most ${limit} s)"
    timeout "$limit" "$@" > "$work/$name.log" 2>&1 || rc=$?
    local took=$(( $(date +%s) - t0 ))
    if (( rc == 124 )); then
        rows+=("| $name | stopped after ${took} s (its limit); see $work/$name.log |")
    elif (( rc != 0 )); then
        rows+=("| $name | failed (exit $rc) after ${took} s; see $work/$name.log |")
    else
        rows+=("| $name | ${took} s: $(grep -E "$PATTERN" "$work/$name.log" | tr '\n' ';' | sed 's/|/\//g') |")
    fi
    tail -n 5 "$work/$name.log"
}

if (( dry )); then
    echo "dry run: CPU, synthetic images, few steps, the quick profile's first chapters"
    PATTERN='trainer :|tutorial loop'
    make setup TF_EXTRA=cpu > "$work/setup.log" 2>&1
    step "throughput 28 px" "$(left)" .venv/bin/python bench/train_throughput.py \
        --synthetic --size 28 --batch-size 16 --steps 2 --warmup 1 --no-bf16
    step "throughput 64 px" "$(left)" .venv/bin/python bench/train_throughput.py \
        --synthetic --size 64 --batch-size 16 --steps 2 --warmup 1 --no-bf16
    PATTERN='executed in'
    step "book (quick, 01 and 99)" "$(left)" .venv/bin/gan-study book --profile quick \
        --only 01 99 --no-html --build-dir "$work/build"
else
    if ! command -v nvidia-smi > /dev/null; then
        echo "gpu_check: nvidia-smi not found: this is not a GPU machine (use --dry-run)" >&2
        exit 2
    fi
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
    PATTERN='.'
    step "setup (CUDA build)" "$(left)" make setup TF_EXTRA=gpu
    PATTERN='trainer :|tutorial loop|mixed_bfloat16|achieved'
    step "throughput 28 px" "$(( $(left) / 8 ))" .venv/bin/python bench/train_throughput.py \
        --synthetic --size 28 --steps 50
    step "throughput 64 px" "$(( $(left) / 7 ))" .venv/bin/python bench/train_throughput.py \
        --synthetic --size 64 --steps 50
    PATTERN='executed in'
    step "book (standard)" "$(( $(left) - 15 ))" .venv/bin/gan-study book --profile standard \
        --build-dir "$work/build"
fi

echo
echo "## gpu_check $( ((dry)) && echo '(dry run)' ) on $(hostname), $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| step | outcome |"
echo "|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "total: $(( $(date +%s) - start )) s; logs and runs in $work"
