#!/usr/bin/env python3
"""The weekly review's figures with pandas + scikit-learn + statsmodels: the baseline of
bench/review.sh, and an independent check of mamoru's figures at scale.

    python3 bench/review_baseline.py BUNDLE EXPORT.csv... > figures.json

Reads CSV exports with the review's own column names (the benchmark's input), judges every row
from the bundle the way the policy does (levels raised by listed and implied types, the grid,
verdict overrides), and computes per vendor and overall: n, agreement, Cohen's kappa with the
Fleiss-Cohen-Everitt 95% interval (statsmodels), quadratic weighted kappa (scikit-learn), the
confusion matrix; per effective cell n and agreement; hold_over and missed_roles per vendor
(invariants' `when` evaluated as masks); the period in the policy's time zone. Duplicate ids keep
the first row. Rows are assumed valid (the benchmark's exports have no broken rows).
"""
import json
import math
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import cohens_kappa

warnings.filterwarnings("ignore")


def main():
    b = json.load(open(sys.argv[1], encoding="utf-8"))
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False,
                          usecols=lambda c: c in COLUMNS) for p in sys.argv[2:]]
    df = pd.concat(frames, ignore_index=True)
    read = len(df)
    df = df[~df["id"].duplicated(keep="first")].reset_index(drop=True)
    conduct = [l["id"] for l in b["axes"]["conduct"]["levels"]]
    demand = [l["id"] for l in b["axes"]["demand"]["levels"]]
    verdicts = [v["id"] for v in b["verdicts"]]
    cl = df["conduct"].map({x: i for i, x in enumerate(conduct)}).to_numpy()
    dl = df["demand"].map({x: i for i, x in enumerate(demand)}).to_numpy()
    minutes = pd.to_numeric(df["minutes"].replace("", "0")).to_numpy()
    repeats = pd.to_numeric(df["repeats"].replace("", "0")).to_numpy()
    channel = df["channel"].to_numpy()

    def listed(col, ids):
        padded = ";" + df[col] + ";"
        return {i: padded.str.contains(";" + i + ";", regex=False).to_numpy() for i in ids}

    tags = listed("tags", [t["id"] for t in b["tags"]])
    events = listed("events", [e["id"] for e in b["events"]])
    ct_listed = listed("conduct_types", [t["id"] for t in b["conduct_types"]])
    dt_listed = listed("demand_types", [t["id"] for t in b["demand_types"]])
    n = len(df)
    true = np.ones(n, dtype=bool)

    def fact_mask(c):
        """A condition on facts (types' `when`)."""
        m = true.copy()
        if "channel" in c:
            m &= np.isin(channel, c["channel"])
        if "tags" in c:
            m &= np.logical_or.reduce([tags[t] for t in c["tags"]]) if c["tags"] else False
        if "seconds_at_least" in c:
            m &= minutes * 60 >= c["seconds_at_least"]
        if "repeats_at_least" in c:
            m &= repeats >= c["repeats_at_least"]
        if "not" in c:
            m &= ~fact_mask(c["not"])
        return m

    has_ct = {t["id"]: ct_listed[t["id"]] | (fact_mask(t["when"]) if t.get("when") else False)
              for t in b["conduct_types"]}
    has_dt = {t["id"]: dt_listed[t["id"]] | (fact_mask(t["when"]) if t.get("when") else False)
              for t in b["demand_types"]}
    ec = cl.copy()
    for t in b["conduct_types"]:
        ec = np.where(has_ct[t["id"]], np.maximum(ec, conduct.index(t["min_level"])), ec)
    ed = dl.copy()
    for t in b["demand_types"]:
        ed = np.where(has_dt[t["id"]], np.maximum(ed, demand.index(t["min_level"])), ed)
    grid = np.array([[verdicts.index(v) for v in b["grid"][c]] for c in conduct])
    pv = grid[ec, ed]
    for t in b["conduct_types"]:
        if t.get("verdict"):
            pv = np.where(has_ct[t["id"]], np.maximum(pv, verdicts.index(t["verdict"])), pv)
    fv = df["field_verdict"].map({x: i for i, x in enumerate(verdicts)}).to_numpy()

    def mask(c):
        """A condition on the judged contact (invariants' `when`)."""
        m = fact_mask({k: v for k, v in c.items() if k != "not"})
        if "verdict" in c:
            m &= np.isin(pv, [verdicts.index(v) for v in c["verdict"]])
        if "conduct_at_least" in c:
            m &= ec >= conduct.index(c["conduct_at_least"])
        if "demand_at_least" in c:
            m &= ed >= demand.index(c["demand_at_least"])
        if "conduct_types" in c:
            m &= np.logical_or.reduce([has_ct[t] for t in c["conduct_types"]])
        if "demand_types" in c:
            m &= np.logical_or.reduce([has_dt[t] for t in c["demand_types"]])
        if "event" in c:
            m &= np.logical_or.reduce([events[e] for e in c["event"]])
        if "not" in c:
            m &= ~mask(c["not"])
        return m

    hold = pd.to_numeric(df["hold_seconds"].replace("", np.nan)).to_numpy()
    max_hold = np.full(n, np.inf)
    roles = listed("reached", [r["id"] for r in b["roles"]])
    has_reached = true   # the column is present: an empty cell is "reached nothing", as in mamoru
    missed = np.zeros(n, dtype=bool)
    for inv in b["invariants"]:
        adm = mask(inv["when"]) if inv.get("when") else true
        if inv.get("max_hold_seconds") is not None:
            max_hold = np.where(adm, np.minimum(max_hold, inv["max_hold_seconds"]), max_hold)
        if inv["reach_roles"]:
            reached_any = np.logical_or.reduce([roles[r] for r in inv["reach_roles"]])
            missed |= adm & ~reached_any
    hold_over = ~np.isnan(hold) & (hold > max_hold)
    vendor = df["vendor"].to_numpy()
    k = len(verdicts)

    def clean(x):
        return None if x is None or math.isnan(x) or math.isinf(x) else float(x)

    def figures(sel):
        f, p = fv[sel], pv[sel]
        t = np.zeros((k, k))
        np.add.at(t, (f, p), 1)
        out = {"n": int(sel.sum()),
               "confusion": {verdicts[i]: {verdicts[j]: int(t[i, j]) for j in range(k)} for i in range(k)}}
        if out["n"] == 0:
            out.update(agreement=None, kappa=None, kappa_low=None, kappa_high=None, weighted_kappa=None)
            return out
        r = cohens_kappa(t)
        w = cohen_kappa_score(f, p, weights="quadratic", labels=list(range(k)))
        out.update(agreement=float(np.trace(t) / out["n"]), kappa=clean(r.kappa),
                   kappa_low=clean(r.kappa_low), kappa_high=clean(r.kappa_upp), weighted_kappa=clean(w))
        return out

    vendors = []
    for v in b["vendors"]:
        sel = vendor == v["id"]
        row = {"id": v["id"], **figures(sel)}
        hs = sel & ~np.isnan(hold)
        row["hold_rows"] = int(hs.sum())
        row["hold_over"] = int((hold_over & sel).sum()) if hs.any() else None
        rs = sel & has_reached
        row["reached_rows"] = int(rs.sum())
        row["missed_roles"] = int((missed & rs).sum()) if rs.any() else None
        vendors.append(row)
    cells = []
    for ci, c in enumerate(conduct):
        for di, d in enumerate(demand):
            sel = (ec == ci) & (ed == di)
            m = int(sel.sum())
            cells.append({"cell": f"{c}×{d}", "n": m,
                          "agreement": float((fv[sel] == pv[sel]).mean()) if m else None})
    when = pd.to_datetime(df["date"], utc=True, format="ISO8601").dt.tz_convert(b.get("timezone", "Asia/Tokyo"))
    last = when.max()
    iso = last.isocalendar()
    out = {"read": read, "reviewed": n, "overall": figures(true), "vendors": vendors, "cells": cells,
           "period": {"from": str(when.min().date()), "to": str(last.date()),
                      "week": f"{iso[0]:04d}-W{iso[1]:02d}"}}
    json.dump(out, sys.stdout, ensure_ascii=False)


COLUMNS = ["id", "date", "vendor", "channel", "conduct", "demand", "conduct_types", "demand_types",
           "tags", "minutes", "repeats", "events", "field_verdict", "hold_seconds", "reached"]

if __name__ == "__main__":
    main()
