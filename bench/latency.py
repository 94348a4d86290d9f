#!/usr/bin/env python3
"""Counts and latency percentiles from per-request logs.

    latency.py h2load FILE...    h2load --log-file: start_us <TAB> http_status <TAB> duration_us
    latency.py pgbench FILE...   pgbench --log:     client xact latency_us script epoch_s epoch_us

Prints one line: COUNT FAILED P50_MS P99_MS MEAN_MS, where COUNT is the number of
successful requests or transactions and FAILED the number of h2load rows whose HTTP
status is not 200 (-1 for a failed stream) or pgbench rows whose latency is not a
number (failed or skipped transactions).
Percentiles are nearest-rank over every request or transaction in the files.
"""

import math
import sys


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def main():
    mode, paths = sys.argv[1], sys.argv[2:]
    if mode not in ("h2load", "pgbench") or not paths:
        sys.exit(__doc__)
    values, failed = [], 0
    for path in paths:
        with open(path) as f:
            for line in f:
                cols = line.split()
                if not cols:
                    continue
                if mode == "h2load":
                    if len(cols) < 3 or cols[1] != "200":
                        failed += 1
                        continue
                    values.append(int(cols[2]))
                else:
                    if len(cols) < 3 or not cols[2].isdigit():
                        failed += 1
                        continue
                    values.append(int(cols[2]))
    values.sort()
    mean = sum(values) / len(values) if values else float("nan")
    print(
        f"{len(values)} {failed} {percentile(values, 50) / 1000:.3f} "
        f"{percentile(values, 99) / 1000:.3f} {mean / 1000:.3f}"
    )


if __name__ == "__main__":
    main()
