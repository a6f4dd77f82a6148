"""Time the HAM10000 array build: first build (empty cache) and cached reload.

Usage::

    GAN_STUDY_DATA_DIR=/path/to/root python bench/data_build.py [--size 28] [--repeats 3]

Each repeat builds the arrays into a fresh temporary cache (decoding and
resizing every JPEG with all cores), then reloads them from that cache. The
medians are printed with the machine they ran on; on a shared machine say so
when quoting them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from gan_study import data, machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=28)
    parser.add_argument("--split", default="lesion")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()

    builds, reloads = [], []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="gan-study-bench-") as cache:
            start = time.perf_counter()
            d = data.load(
                split=args.split, image_size=args.size, data_dir=args.data_dir, cache_dir=cache
            )
            builds.append(time.perf_counter() - start)
            start = time.perf_counter()
            data.load(
                split=args.split, image_size=args.size, data_dir=args.data_dir, cache_dir=cache
            )
            reloads.append(time.perf_counter() - start)
    n = sum(len(s) for s in d.splits())
    print(f"machine: {machine.cpu_model()}, {os.cpu_count()} cores visible")
    print(f"arrays: {n} images, {args.size} px, split {args.split}")
    print(
        f"first build:   median {statistics.median(builds):.2f} s  (runs: {', '.join(f'{t:.2f}' for t in builds)})"
    )
    print(
        f"cached reload: median {statistics.median(reloads):.2f} s  (runs: {', '.join(f'{t:.2f}' for t in reloads)})"
    )


if __name__ == "__main__":
    main()
