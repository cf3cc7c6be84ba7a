#!/usr/bin/env python3
"""Generate realistic exports of flagged contacts for `mamoru review`.

    python3 bench/review_gen.py --bundle public/bundle.json --out exports            # the tour
    python3 bench/review_gen.py --bundle public/bundle.json --out big --bench --rows 1000000

Reads the vocabulary (vendors, channels, levels, types, tags, events, roles, verdicts and the
review.yaml mapping) from a bundle, so the exports fit the policy it was built from.

The tour's exports (default): one file per vendor, in three shapes a contact centre meets:
  - <vendor 1>.csv    UTF-8 with BOM, the review's own column names;
  - <vendor 2>.jsonl  JSON Lines;
  - <vendor 3>.csv    Shift_JIS/CP932 as Excel writes it, with the CRM's Japanese headers and
                      labels that the policy's review.yaml maps (needs review.yaml in the policy).
Every file also carries free-text columns the review must never read: the customer's name, phone
number, e-mail address and a memo, all fake but shaped like the real thing. A few rows are broken
on purpose (--errors, on by default in tour mode): a duplicate id, an unknown label, a bad date, a
phone number typed into the id column.

--bench writes three UTF-8 CSV files (one per vendor) with the review's column names and the same
free-text columns, no broken rows: the input of bench/review.sh.

Vendors judge differently, as in the contact centre this tool is built for: one follows the
criteria closely, one calls gray-zone contacts harassment and holds too long, one is lenient and
sometimes leaves specific matters (legal, media, police) with its own staff.
"""

import argparse
import csv
import datetime as dt
import json
import os
import random

SURNAMES = "佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 清水".split()
GIVEN = "太郎 花子 一郎 美咲 健太 陽子 翔太 由美 大輔 恵子 拓也 真由美 直樹 裕子 和也 明美".split()
ROMAJI = "sato suzuki takahashi tanaka ito watanabe yamamoto nakamura kobayashi kato".split()
MEMO = [
    "{name}様より料金の二重請求について。折り返し先 {phone}。",
    "{name}様、工事日程の遅れに強いご不満。「責任者を出せ」と繰り返される。",
    "お客さま（{name}様）から同じ内容のメールが続けて届く。連絡先 {mail}",
    "解約手続きの誤りについて。{name}様は冷静。補償の話あり。",
    "通話の終盤で声を荒げられる。録音告知済み。{phone} へ後日連絡。",
    "SNSに担当者名を載せると言われた。{name}様、住所 東京都千代田区丸の内1-1-1。",
]
CHANNEL_WEIGHTS = {"phone": 70, "chat": 10, "email": 12, "letter": 3, "sns-dm": 5}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Policy:
    def __init__(self, b):
        self.b = b
        self.vendors = [v["id"] for v in b.get("vendors", [])]
        self.channels = [c["id"] for c in b["channels"]]
        self.conduct = [l["id"] for l in b["axes"]["conduct"]["levels"]]
        self.demand = [l["id"] for l in b["axes"]["demand"]["levels"]]
        self.verdicts = [v["id"] for v in b["verdicts"]]
        self.grid = b["grid"]
        self.ctypes = b["conduct_types"]
        self.dtypes = b["demand_types"]
        self.tags = [t["id"] for t in b["tags"]]
        self.events = [e["id"] for e in b["events"]]
        self.roles = [r["id"] for r in b["roles"]]
        self.review = b.get("review") or {"columns": {}, "values": {}}
        if len(self.vendors) < 1:
            raise SystemExit("the policy has no vendors")

    def cell_verdict(self, c, d):
        return self.grid[c][self.demand.index(d)]

    def header(self, col):
        names = self.review["columns"].get(col)
        return names[0] if names else col

    def label(self, col, value):
        """The CRM's label of an id, when review.yaml maps one."""
        for label, v in self.review["values"].get(col, {}).items():
            if v == value:
                return label
        return value


def fake_phone(r):
    return r.choice(["090", "080", "070", "03", "06"]) + "-" + f"{r.randrange(1000, 9999)}-{r.randrange(1000, 9999)}"


def contact(p, r, vendor_i, when):
    """One flagged contact and how the vendor recorded it."""
    ch = r.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
    if ch not in p.channels:
        ch = r.choice(p.channels)
    conduct = r.choices(p.conduct, weights=[30, 40, 20, 10][: len(p.conduct)] + [5] * max(0, len(p.conduct) - 4))[0]
    demand = r.choices(p.demand, weights=[45, 35, 20][: len(p.demand)] + [5] * max(0, len(p.demand) - 3))[0]
    ctypes, dtypes, tags = [], [], []
    ci = p.conduct.index(conduct)
    for t in p.ctypes:
        if t.get("when"):
            continue  # implied types follow from minutes and repeats
        if p.conduct.index(t["min_level"]) <= ci and r.random() < 0.08:
            ctypes.append(t["id"])
    for t in p.dtypes:
        if t.get("when"):
            continue
        if p.demand.index(t["min_level"]) <= p.demand.index(demand) and r.random() < 0.1:
            dtypes.append(t["id"])
    if r.random() < 0.06:
        tags.append(r.choice([t for t in ("legal", "media", "police") if t in p.tags] or p.tags))
    if r.random() < 0.05 and "elderly" in p.tags:
        tags.append("elderly")
    minutes = max(1, int(r.lognormvariate(2.7, 0.6))) if ch in ("phone", "chat") else 0
    repeats = r.choices([0, 1, 2, 3, 4, 6], weights=[50, 15, 12, 10, 8, 5])[0]
    events = sorted(set(r.sample(p.events, k=r.choice([0, 1, 1, 2]))))
    # The vendor's view: the grid cell of the levels as recorded, with its own habits.
    seen = p.cell_verdict(conduct, demand)
    if ctypes and any(t.get("verdict") for t in p.ctypes if t["id"] in ctypes):
        seen = p.verdicts[-1]
    style = vendor_i % 3
    if style == 1 and seen == "gray" and r.random() < 0.35:
        seen = p.verdicts[-1]            # calls gray-zone contacts harassment
    elif style == 2 and seen != p.verdicts[0] and r.random() < 0.25:
        seen = p.verdicts[p.verdicts.index(seen) - 1]   # lenient
    elif r.random() < 0.04:
        seen = r.choice(p.verdicts)      # everyone errs now and then
    hold = None
    if ch == "phone" and r.random() < 0.8:
        hold = int(r.gauss(150 if style != 1 else 210, 40))
        hold = max(0, hold)
    reached = ["operator"]
    if seen != p.verdicts[0] or r.random() < 0.2:
        reached.append("sv")
    if any(t in tags for t in ("legal", "media", "police")) and not (style == 2 and r.random() < 0.4):
        reached.append("staff")
    reached = [x for x in reached if x in p.roles]
    start = when + dt.timedelta(minutes=r.randrange(0, 7 * 24 * 60))
    name = f"{r.choice(SURNAMES)} {r.choice(GIVEN)}"
    return {
        "channel": ch, "conduct": conduct, "demand": demand,
        "conduct_types": ctypes, "demand_types": dtypes, "tags": tags,
        "minutes": minutes, "repeats": repeats, "events": events,
        "field_verdict": seen, "hold_seconds": hold, "reached": reached,
        "start": start,
        "free": {
            "customer": name,
            "phone": fake_phone(r),
            "mail": f"{r.choice(ROMAJI)}.{r.randrange(100, 999)}@example.jp",
            "memo": r.choice(MEMO).format(name=name, phone=fake_phone(r), mail=f"{r.choice(ROMAJI)}@example.com"),
        },
    }


FREE_EN = ["customer_name", "phone_number", "email", "memo"]
FREE_JA = ["お客さま氏名", "電話番号", "メールアドレス", "応対メモ"]
COLUMNS = ["id", "date", "vendor", "channel", "conduct", "demand", "conduct_types", "demand_types",
           "tags", "minutes", "repeats", "events", "field_verdict", "hold_seconds", "reached"]


def row_en(c, cid, vendor):
    return [cid, c["start"].isoformat(), vendor, c["channel"], c["conduct"], c["demand"],
            ";".join(c["conduct_types"]), ";".join(c["demand_types"]), ";".join(c["tags"]),
            c["minutes"], c["repeats"], ";".join(c["events"]), c["field_verdict"],
            "" if c["hold_seconds"] is None else c["hold_seconds"], ";".join(c["reached"]),
            c["free"]["customer"], c["free"]["phone"], c["free"]["mail"], c["free"]["memo"]]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rows", type=int, default=600, help="rows in all (default 600)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--week", default="2026-11-23", help="Monday of the week the contacts start in")
    ap.add_argument("--bench", action="store_true", help="three plain UTF-8 CSV files, no broken rows")
    ap.add_argument("--no-errors", action="store_true", help="no broken rows in tour mode")
    a = ap.parse_args()
    p = Policy(load(a.bundle))
    r = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    monday = dt.datetime.fromisoformat(a.week).replace(tzinfo=dt.timezone(dt.timedelta(hours=9)))
    vendors = p.vendors[:3]
    per = [a.rows // len(vendors) + (1 if i < a.rows % len(vendors) else 0) for i in range(len(vendors))]
    prefix = ["ST", "EC", "MB", "V4", "V5"]
    written = []
    for vi, vendor in enumerate(vendors):
        contacts = (contact(p, r, vi, monday) for _ in range(per[vi]))
        ids = (f"{prefix[vi % 5]}-{a.week.replace('-', '')}-{n:07d}" for n in range(1, per[vi] + 1))
        if a.bench or vi == 0:
            path = os.path.join(a.out, f"{vendor}.csv")
            with open(path, "w", encoding="utf-8-sig" if not a.bench else "utf-8", newline="") as f:
                w = csv.writer(f)
                w.writerow(COLUMNS + FREE_EN)
                for cid, c in zip(ids, contacts):
                    w.writerow(row_en(c, cid, vendor))
                if not a.bench and not a.no_errors:
                    bad = contact(p, r, vi, monday)
                    w.writerow(row_en(bad, f"{prefix[0]}-{a.week.replace('-', '')}-0000001", vendor))  # duplicate id
                    bad = contact(p, r, vi, monday)
                    row = row_en(bad, f"{prefix[0]}-X-1", vendor)
                    row[1] = "2026-11-31"  # no such date
                    w.writerow(row)
        elif vi == 1:
            path = os.path.join(a.out, f"{vendor}.jsonl")
            with open(path, "w", encoding="utf-8") as f:
                for cid, c in zip(ids, contacts):
                    o = {"id": cid, "date": c["start"].isoformat(), "vendor": vendor}
                    for k in COLUMNS[3:]:
                        if k in ("hold_seconds",) and c[k] is None:
                            continue
                        o[k] = c[k]
                    o.update(dict(zip(FREE_EN, [c["free"][k] for k in ("customer", "phone", "mail", "memo")])))
                    f.write(json.dumps(o, ensure_ascii=False) + "\n")
                if not a.no_errors:
                    c = contact(p, r, vi, monday)
                    f.write(json.dumps({"id": c["free"]["phone"], "date": c["start"].isoformat(), "vendor": vendor,
                                        "channel": c["channel"], "conduct": c["conduct"], "demand": c["demand"],
                                        "field_verdict": c["field_verdict"]}, ensure_ascii=False) + "\n")
                    f.write('{"id": "EC-broken", "channel": \n')
        else:
            path = os.path.join(a.out, f"{vendor}.csv")
            with open(path, "w", encoding="cp932", errors="replace", newline="") as f:
                w = csv.writer(f)
                w.writerow([p.header(k) for k in COLUMNS] + FREE_JA)
                for cid, c in zip(ids, contacts):
                    row = row_en(c, cid, vendor)
                    row[1] = c["start"].strftime("%Y/%m/%d %H:%M")   # as Excel writes dates
                    for i, k in enumerate(COLUMNS):
                        if k in ("vendor", "field_verdict", "conduct", "demand"):
                            row[i] = p.label(k, row[i])
                        if k == "channel":   # the policy's own label (電話, メール …)
                            row[i] = next(x["label"] for x in p.b["channels"] if x["id"] == row[i])
                        if k == "reached":
                            row[i] = ";".join(p.label(k, x) for x in c["reached"])
                    w.writerow(row)
                if not a.no_errors:
                    c = contact(p, r, vi, monday)
                    row = row_en(c, f"{prefix[vi]}-unknown-label", vendor)
                    row[12] = "要確認"   # a field verdict label the mapping does not know
                    w.writerow(row)
        written.append(path)
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
