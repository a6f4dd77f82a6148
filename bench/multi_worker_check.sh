#!/usr/bin/env bash
# Does training across worker processes (MultiWorkerMirroredStrategy under
# TF_CONFIG) compute what one process with as many replicas computes?
#
# Starts two `gan-study train --devices 2` workers on localhost, each with its
# own TF_CONFIG task (one CPU device each), then the same run in one process
# over two logical CPU devices (MirroredStrategy), and prints the largest
# relative difference of the per-step losses and discriminator outputs
# (steps.csv) between the two, and between the chief's run and the other
# worker's copy. A `dcgan`, 2 epochs of 64 real training images at global
# batch 16 (8 steps); about a minute on 2 cores. Needs the data
# ($GAN_STUDY_DATA_DIR) and two free local ports.
#
#   GAN_STUDY_DATA_DIR=../shared/data bash bench/multi_worker_check.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
gan=".venv/bin/gan-study"
args=(--model dcgan --epochs 2 --batch-size 16 --max-train-images 64 --devices 2 --no-progress)
ports=(23456 23457)
export TF_CPP_MIN_LOG_LEVEL=2
pids=()
for i in 0 1; do
    cluster="\"localhost:${ports[0]}\", \"localhost:${ports[1]}\""
    TF_CONFIG="{\"cluster\": {\"worker\": [$cluster]}, \"task\": {\"type\": \"worker\", \"index\": $i}}" \
        "$gan" train "${args[@]}" --runs-dir "$out/workers" >"$out/worker$i.log" 2>&1 &
    pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
"$gan" train "${args[@]}" --runs-dir "$out/one_process" >"$out/one_process.log" 2>&1
.venv/bin/python - "$out" <<'PY'
import sys
from pathlib import Path

import pandas as pd

out = Path(sys.argv[1])
chief = next(p for p in (out / "workers").iterdir() if ".worker" not in p.name)
other = out / "workers" / f"{chief.name}.worker1"
single = out / "one_process" / chief.name
cols = ["d_loss", "g_loss", "d_real", "d_fake", "grad_norm_d", "grad_norm_g"]


def rel(a, b):
    a, b = pd.read_csv(a / "steps.csv")[cols], pd.read_csv(b / "steps.csv")[cols]
    return float(((a - b).abs() / b.abs().clip(lower=1e-12)).to_numpy().max()), len(a)


diff, steps = rel(chief, single)
print(f"{steps} steps; two workers against one process with two replicas: "
      f"largest relative difference {diff:.2e}")
print(f"the chief's run against the other worker's copy: {rel(chief, other)[0]:.2e}")
PY
