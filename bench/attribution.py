"""Attribution over a million journeys: Tradewind's seven models against ChannelAttribution's Markov.

    python bench/attribution.py WORK_DIR TRADEWIND_BIN

Generates BENCH_JOURNEYS (1,000,000) seeded random journeys over BENCH_CHANNELS (10) channels with
1-20 touches each, writes them with touch times (journeys.tsv) and aggregated by path (paths.tsv),
then:
  1. times ChannelAttribution's markov_model (order 1, max_step BENCH_MAX_STEP, its default
     100,000 simulated walks) from the aggregated paths, already in a DataFrame, to its credits,
     and runs it again with BENCH_PARITY_NSIM (1e7) walks for the parity check: its credits are a
     simulation estimate whose error shrinks with the walks, ours are exact;
  2. runs `tradewind analytics attribute --journeys journeys.tsv --paths paths.tsv`, which times its
     Markov model from the same aggregated paths, already parsed, to the credits, and all seven
     models over the million journeys, and reports its peak RSS;
  3. compares the Markov credits (each channel within 2 % of ChannelAttribution's parity run) and prints the
     figures and the speed ratio (target: Tradewind's Markov at least 10x faster).
Exit status: 0 when the credits agree and the target is met, 3 when a target is missed, 1 on error.
"""

import json
import os
import random
import resource
import subprocess
import sys
import time
from collections import defaultdict


def generate(work, journeys, channels, seed):
    rng = random.Random(seed)
    names = [f"ch{i}" for i in range(1, channels + 1)]
    # Channels differ in how often they appear and how much they lift conversion.
    popularity = [1.0 / (i + 1) for i in range(channels)]
    lift = [0.02 + 0.03 * ((i * 7) % channels) / channels for i in range(channels)]
    paths = defaultdict(lambda: [0, 0, 0])
    start = 1_700_000_000
    with open(os.path.join(work, "journeys.tsv"), "w") as out:
        for _ in range(journeys):
            length = min(20, 1 + int(rng.expovariate(1 / 2.5)))
            touched = rng.choices(range(channels), weights=popularity, k=length)
            p = min(0.9, sum(lift[c] for c in set(touched)))
            converted = rng.random() < p
            t = start + rng.randrange(0, 90 * 86400)
            times = []
            for _ in touched:
                t += rng.randrange(60, 3 * 86400)
                times.append(t)
            revenue = rng.randrange(5, 500) * 1_000_000 if converted else 0
            path = ">".join(names[c] for c in touched)
            conv_time = str(t + 600) if converted else ""
            out.write(f"{path}\t{','.join(map(str, times))}\t{int(converted)}\t{int(not converted)}\t{revenue}\t{conv_time}\n")
            entry = paths[path]
            entry[0] += int(converted)
            entry[1] += int(not converted)
            entry[2] += revenue
    with open(os.path.join(work, "paths.tsv"), "w") as out:
        for path, (conv, null, revenue) in paths.items():
            out.write(f"{path}\t{conv}\t{null}\t{revenue}\n")
    return paths


def channel_attribution(paths, max_step, nsim):
    import pandas as pd
    import ChannelAttribution as ca

    frame = pd.DataFrame(
        {
            "path": [p.replace(">", " > ") for p in paths],
            "conv": [v[0] for v in paths.values()],
            "null": [v[1] for v in paths.values()],
            "value": [v[2] / 1e6 for v in paths.values()],
        }
    )
    started = time.perf_counter()
    result = ca.markov_model(
        frame, "path", "conv", var_value="value", var_null="null", order=1, max_step=max_step,
        nsim_start=nsim, out_more=True, verbose=0, flg_pro=False,
    )
    seconds = time.perf_counter() - started
    credits = dict(zip(result["result"]["channel_name"], result["result"]["total_conversions"]))
    return seconds, credits


def main():
    work, binary = sys.argv[1], sys.argv[2]
    journeys = int(os.environ.get("BENCH_JOURNEYS", "1000000"))
    channels = int(os.environ.get("BENCH_CHANNELS", "10"))
    max_step = int(os.environ.get("BENCH_MAX_STEP", "1000000"))
    parity_nsim = float(os.environ.get("BENCH_PARITY_NSIM", "1e7"))
    os.makedirs(work, exist_ok=True)
    print(f"==> generating {journeys:,} journeys over {channels} channels", file=sys.stderr)
    paths = generate(work, journeys, channels, seed=20261125)
    print(f"==> {len(paths):,} unique paths; ChannelAttribution markov_model (max_step {max_step:,})", file=sys.stderr)
    ca_seconds, _ = channel_attribution(paths, max_step, 1e5)
    ca_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # ChannelAttribution estimates by simulation: at its default 100,000 walks its credits are a
    # few per cent off the exact answer, so parity is checked against a run with many more.
    print(f"==> ChannelAttribution again with {parity_nsim:,.0f} simulated walks, for parity", file=sys.stderr)
    parity_seconds, ca_credits = channel_attribution(paths, max_step, parity_nsim)
    print("==> tradewind analytics attribute", file=sys.stderr)
    out = os.path.join(work, "tradewind.json")
    subprocess.run(
        [binary, "analytics", "attribute", "--journeys", os.path.join(work, "journeys.tsv"),
         "--paths", os.path.join(work, "paths.tsv"), "--output", out],
        check=True,
    )
    report = json.load(open(out))
    ours = {c["channel"]: c["conversions"] for c in report["markov_paths"]}
    worst = 0.0
    print(f"\n{'channel':8} {'tradewind':>12} {'ChannelAttr':>12} {'diff %':>8}")
    for channel in sorted(ca_credits, key=lambda c: int(c[2:])):
        theirs = ca_credits[channel]
        diff = abs(ours.get(channel, 0) - theirs) / theirs * 100 if theirs else 0
        worst = max(worst, diff)
        print(f"{channel:8} {ours.get(channel, 0):12.1f} {theirs:12.1f} {diff:8.3f}")
    seconds = report["seconds"]
    ratio = ca_seconds / seconds["markov_paths"] if seconds["markov_paths"] > 0 else float("inf")
    print(f"\njourneys {report['journeys']:,}, unique paths {report['paths']:,}")
    print(f"Markov from aggregated paths: tradewind {seconds['markov_paths'] * 1000:.1f} ms, "
          f"ChannelAttribution {ca_seconds * 1000:.1f} ms: {ratio:.1f}x  (target >= 10x: {'met' if ratio >= 10 else 'MISSED'})")
    print(f"  (encoding the parsed paths into that form: {seconds['markov_paths_encoding'] * 1000:.1f} ms; "
          f"with it {(seconds['markov_paths'] + seconds['markov_paths_encoding']) * 1000:.1f} ms, "
          f"{ca_seconds / (seconds['markov_paths'] + seconds['markov_paths_encoding']):.1f}x)")
    print(f"all seven models over the journeys (ms): encoding {seconds['encoding'] * 1000:.0f}, " + ", ".join(
        f"{m} {seconds[m] * 1000:.0f}" for m in
        ["first_touch", "last_touch", "linear", "time_decay", "position_based", "markov", "shapley"])
        + f"; total {seconds['all_models'] * 1000:.0f}")
    print(f"peak RSS: tradewind {report['peak_rss_mib']:.0f} MiB (journeys parsed in memory), "
          f"python + ChannelAttribution {ca_peak:.0f} MiB")
    print(f"ChannelAttribution with {parity_nsim:,.0f} walks (the parity run) took {parity_seconds * 1000:.0f} ms")
    print(f"largest Markov credit difference: {worst:.3f} %  (parity target <= 2 %: {'met' if worst <= 2 else 'MISSED'})")
    sys.exit(0 if ratio >= 10 and worst <= 2 else 3)


if __name__ == "__main__":
    main()
