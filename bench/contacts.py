"""Write N random contacts as JSON Lines for `mamoru classify`, from a bundle's own vocabulary.

Usage: python3 bench/contacts.py BUNDLE.json N [--seed S] > contacts.jsonl
About half the contacts report their events, so routes run to their end or stop at an event.
"""
import argparse
import json
import random

ap = argparse.ArgumentParser()
ap.add_argument("bundle")
ap.add_argument("n", type=int)
ap.add_argument("--seed", type=int, default=1)
args = ap.parse_args()
b = json.load(open(args.bundle, encoding="utf-8"))
rng = random.Random(args.seed)
channels = [c["id"] for c in b["channels"]]
conduct = [l["id"] for l in b["axes"]["conduct"]["levels"]]
demand = [l["id"] for l in b["axes"]["demand"]["levels"]]
ctypes = [t["id"] for t in b["conduct_types"]]
dtypes = [t["id"] for t in b["demand_types"]]
tags = [t["id"] for t in b["tags"]]
events = [e["id"] for e in b["events"]]
out = []
for i in range(args.n):
    c = {"id": f"C{i:07d}", "channel": rng.choice(channels), "conduct": rng.choice(conduct), "demand": rng.choice(demand)}
    if rng.random() < 0.3:
        c["conduct_types"] = rng.sample(ctypes, 1)
    if rng.random() < 0.2:
        c["demand_types"] = rng.sample(dtypes, 1)
    if rng.random() < 0.1:
        c["tags"] = rng.sample(tags, 1)
    c["minutes"] = rng.randint(1, 120)
    if rng.random() < 0.5:
        c["events"] = rng.sample(events, rng.randint(0, 2))
    out.append(json.dumps(c, ensure_ascii=False))
    if len(out) >= 10000:
        print("\n".join(out))
        out = []
if out:
    print("\n".join(out))
