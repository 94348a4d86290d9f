#!/usr/bin/env python3
"""Parity check: TradewindCore association rules against mlxtend.

Set-up (once):
    python3 -m venv .venv && .venv/bin/pip install mlxtend pandas

Subcommands:
    rules_parity.py generate OUT_DIR [--transactions 20000] [--seed 7]
                             [--min-support 0.005] [--min-confidence 0.1] [--max-len N]
        Writes a reproducible random dataset and the mining parameters:
          OUT_DIR/transactions.txt  one transaction per line, items separated by commas (no
                                    header, no quoting; item names are [a-z0-9_]); every line has
                                    at least one item and a few repeat an item on purpose, since
                                    duplicates within a transaction must count once.
          OUT_DIR/params.json       {"min_support": float, "min_confidence": float,
                                     "max_len": int or null}
        The Swift side must mine transactions.txt with exactly these parameters.

    rules_parity.py compare OUT_DIR SWIFT_JSON
        Runs mlxtend `apriori(min_support, max_len)` and
        `association_rules(num_itemsets=len(transactions), metric="confidence",
        min_threshold=min_confidence)` on OUT_DIR/transactions.txt, reads the Swift rules from
        SWIFT_JSON and compares the rule sets and every metric (relative tolerance 1e-9, absolute
        1e-15 for values at zero). Prints a summary; exits 1 on any difference.

SWIFT_JSON format: a JSON list of rule objects (or an object whose "rules" key holds that list):
    {"antecedents": ["item01", ...],   # item names, any order
     "consequents": ["item07", ...],
     "support": float, "confidence": float, "lift": float, "leverage": float,
     "conviction": float or "inf",     # infinity (confidence 1) as the string "inf"; JSON has no
                                       # infinity literal. "Infinity", null and a bare Infinity
                                       # are accepted too.
     "antecedent_support": float, "consequent_support": float, "zhangs_metric": float}
The last three keys are optional and compared when present. In Swift, JSONEncoder with
`.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf",
negativeInfinity: "-inf", nan: "nan")` writes this format. The output must not be truncated
(at most 100,000 rules); the default parameters give a few thousand.
"""

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

ITEMS = 60
REL_TOL = 1e-9
ABS_TOL = 1e-15
REQUIRED = ("support", "confidence", "lift", "leverage", "conviction")
METRICS = {  # JSON key -> mlxtend column
    "support": "support",
    "confidence": "confidence",
    "lift": "lift",
    "leverage": "leverage",
    "conviction": "conviction",
    "antecedent_support": "antecedent support",
    "consequent_support": "consequent support",
    "zhangs_metric": "zhangs_metric",
}


def item(index):
    return f"item{index:02d}"


def generate_transactions(count, seed):
    """Skewed independent popularity plus a few planted associations, one of them exact."""
    rng = random.Random(seed)
    # Zipf-like popularity: item00 in about 45 % of baskets, item59 in about 2.5 %.
    popularity = [0.45 / (index + 1) ** 0.7 for index in range(ITEMS)]
    transactions = []
    for _ in range(count):
        basket = [item(index) for index in range(ITEMS) if rng.random() < popularity[index]]
        names = set(basket)
        if item(1) in names and rng.random() < 0.6:
            basket.append(item(7))
        if item(3) in names and item(5) in names and rng.random() < 0.8:
            basket.append(item(11))
        if item(2) in names and rng.random() < 0.3:
            basket += [item(20), item(21)]
        if not basket:
            basket.append(item(rng.randrange(ITEMS)))
        if item(42) in basket or item(43) in basket:
            basket.append(item(0))  # item42 => item00 and item43 => item00 hold with confidence 1
        if rng.random() < 0.02:
            basket.append(rng.choice(basket))  # a repeated item
        rng.shuffle(basket)
        transactions.append(basket)
    return transactions


def read_transactions(out_dir):
    lines = (Path(out_dir) / "transactions.txt").read_text().splitlines()
    return [[name for name in line.split(",") if name] for line in lines]


def command_generate(args):
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    transactions = generate_transactions(args.transactions, args.seed)
    (out_dir / "transactions.txt").write_text("".join(",".join(basket) + "\n" for basket in transactions))
    params = {"min_support": args.min_support, "min_confidence": args.min_confidence, "max_len": args.max_len}
    (out_dir / "params.json").write_text(json.dumps(params, indent=2) + "\n")
    print(f"wrote {len(transactions)} transactions over {ITEMS} items to {out_dir / 'transactions.txt'}")
    print(f"parameters {params} in {out_dir / 'params.json'}")
    return 0


def mlxtend_rules(transactions, params):
    import pandas as pd
    from mlxtend.frequent_patterns import apriori, association_rules
    from mlxtend.preprocessing import TransactionEncoder

    encoder = TransactionEncoder()
    frame = pd.DataFrame(encoder.fit(transactions).transform(transactions), columns=encoder.columns_)
    itemsets = apriori(frame, min_support=params["min_support"], use_colnames=True, max_len=params["max_len"])
    rules = association_rules(
        itemsets, num_itemsets=len(frame), metric="confidence", min_threshold=params["min_confidence"]
    )
    result = {}
    columns = {json_key: rules[column].to_numpy(dtype=float) for json_key, column in METRICS.items()}
    for index, (antecedents, consequents) in enumerate(zip(rules["antecedents"], rules["consequents"])):
        key = (frozenset(antecedents), frozenset(consequents))
        result[key] = {json_key: float(values[index]) for json_key, values in columns.items()}
    return len(itemsets), result


def parse_number(value):
    if value is None or (isinstance(value, str) and value.lower() in ("inf", "infinity", "+inf")):
        return math.inf
    return float(value)


def read_swift(path):
    data = json.loads(Path(path).read_text())
    if isinstance(data, dict):
        data = data["rules"]
    rules = {}
    duplicates = 0
    for entry in data:
        key = (frozenset(entry["antecedents"]), frozenset(entry["consequents"]))
        if key in rules:
            duplicates += 1
        # A missing required metric raises KeyError: the Swift output is malformed.
        rules[key] = {name: parse_number(entry[name]) for name in METRICS if name in entry or name in REQUIRED}
    return rules, duplicates


def describe(key):
    antecedents, consequents = key
    return "{" + ", ".join(sorted(antecedents)) + "} => {" + ", ".join(sorted(consequents)) + "}"


def command_compare(args):
    out_dir = Path(args.out_dir)
    params = json.loads((out_dir / "params.json").read_text())
    transactions = read_transactions(out_dir)
    started = time.perf_counter()
    itemset_count, expected = mlxtend_rules(transactions, params)
    elapsed = time.perf_counter() - started
    actual, duplicates = read_swift(args.swift_json)

    missing = sorted((describe(key) for key in expected.keys() - actual.keys()))
    extra = sorted((describe(key) for key in actual.keys() - expected.keys()))
    metric_mismatches = []
    worst = {name: 0.0 for name in METRICS}
    compared = {name: 0 for name in METRICS}
    for key in expected.keys() & actual.keys():
        for name, value in actual[key].items():
            reference = expected[key][name]
            compared[name] += 1
            if math.isinf(reference) or math.isinf(value):
                if reference != value:
                    metric_mismatches.append(f"{describe(key)} {name}: swift {value!r} != mlxtend {reference!r}")
                continue
            if reference != 0:
                worst[name] = max(worst[name], abs(value - reference) / abs(reference))
            if not math.isclose(value, reference, rel_tol=REL_TOL, abs_tol=ABS_TOL):
                metric_mismatches.append(f"{describe(key)} {name}: swift {value!r} != mlxtend {reference!r}")

    infinite = sum(1 for metrics in expected.values() if math.isinf(metrics["conviction"]))
    print(f"transactions: {len(transactions)}; parameters: {params}")
    print(f"mlxtend: {itemset_count} frequent itemsets, {len(expected)} rules ({infinite} with infinite conviction) "
          f"in {elapsed:.2f} s")
    print(f"swift:   {len(actual)} rules")
    for name in METRICS:
        if compared[name]:
            print(f"  {name:<19} compared {compared[name]:>6}, max relative difference {worst[name]:.3g}")
        else:
            print(f"  {name:<19} not in the Swift output")
    problems = len(missing) + len(extra) + len(metric_mismatches) + duplicates
    for label, lines in (("missing in Swift", missing), ("only in Swift", extra), ("metric mismatch", metric_mismatches)):
        for line in lines[:20]:
            print(f"{label}: {line}")
        if len(lines) > 20:
            print(f"{label}: ... and {len(lines) - 20} more")
    if duplicates:
        print(f"duplicate rules in the Swift output: {duplicates}")
    if not expected:
        print("mlxtend found no rules: the comparison proves nothing; lower the thresholds")
        problems += 1
    print("PARITY OK" if problems == 0 else f"PARITY FAILED ({problems} problems)")
    return 0 if problems == 0 else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="write transactions.txt and params.json")
    generate.add_argument("out_dir")
    generate.add_argument("--transactions", type=int, default=20_000)
    generate.add_argument("--seed", type=int, default=7)
    generate.add_argument("--min-support", type=float, default=0.005)
    generate.add_argument("--min-confidence", type=float, default=0.1)
    generate.add_argument("--max-len", type=int, default=None)
    compare = commands.add_parser("compare", help="compare Swift rules with mlxtend")
    compare.add_argument("out_dir")
    compare.add_argument("swift_json")
    args = parser.parse_args()
    return command_generate(args) if args.command == "generate" else command_compare(args)


if __name__ == "__main__":
    sys.exit(main())
