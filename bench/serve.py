#!/usr/bin/env python3
"""Benchmark `mamoru serve`: from a one-line edit written to disk to the reload message, and to
the updated page served, on a generated policy; and the server's memory.

    python3 bench/serve.py [--bin target/release/mamoru] [--cases 1000] [--edits 10] [--seed 1]
    python3 bench/serve.py --policy DIR      # a policy folder of your own (copied first)

Generates the policy with bench/gen.py (or copies --policy) into a scratch folder, starts
`mamoru serve` on it, opens the event stream of the page being edited (as the browser would),
then alternately edits one line of a case (its title) and one line of a flow (a step's title),
each written as an editor's atomic save (temporary file renamed over the original). Measured:
  - write -> reload: until the `reload` event naming the edited page arrives;
  - write -> served: until a GET of that page returns the new text (after the reload event);
  - the server's resident memory (VmRSS) after the edits and its peak (VmHWM).
The named baseline, measured in the same run, is `mamoru build DIR --out …` (the whole site
written to disk), run twice. Prints a Markdown table. Standard library only.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from queue import Queue, Empty

ROOT = Path(__file__).resolve().parent.parent


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def events(port, page, q):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"GET /__mamoru/events?page={page}&gen=0 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    f = s.makefile("rb")
    event = None
    for raw in f:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            q.put((time.perf_counter(), event, json.loads(line[6:])))


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", "/" + path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body.decode("utf-8", "replace")


def atomic_save(path, text):
    tmp = path.with_name(".bench.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def proc_status(pid):
    out = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM"):
            out[k] = int(v.split()[0]) // 1024
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "target/release/mamoru"))
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--policy")
    ap.add_argument("--edits", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mamoru-serve-bench-"))
    pol = work / "policy"
    if a.policy:
        shutil.copytree(a.policy, pol)
    else:
        subprocess.run([sys.executable, str(ROOT / "bench/gen.py"), str(pol), "--cases", str(a.cases),
                        "--seed", str(a.seed)], check=True, capture_output=True)
    cases = sorted((pol / "cases").glob("*.md"))
    case = cases[len(cases) // 2]
    flows = sorted((pol / "flows").glob("*.yaml"))
    flow = flows[0]
    case_page = f"cases/{case.stem}.html"
    flow_page = f"flows/{flow.stem}.html"

    # Baseline: a full build to disk, twice.
    build_s = []
    for i in range(2):
        out = work / f"site{i}"
        t0 = time.perf_counter()
        subprocess.run([a.bin, "build", str(pol), "--out", str(out)], check=True, capture_output=True)
        build_s.append(time.perf_counter() - t0)

    t_start = time.perf_counter()
    proc = subprocess.Popen([a.bin, "serve", str(pol), "--port", "0", "--lang", "en"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    logs = Queue()
    threading.Thread(target=lambda: [logs.put(l.rstrip()) for l in proc.stderr], daemon=True).start()
    port = None
    while port is None:
        line = logs.get(timeout=600)
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if m:
            port = int(m.group(1))
    first_s = time.perf_counter() - t_start

    q = Queue()
    for page in (case_page, flow_page):
        threading.Thread(target=events, args=(port, page, q), daemon=True).start()
    time.sleep(0.5)

    def drain():
        while True:
            try:
                q.get_nowait()
            except Empty:
                return

    reload_ms, served_ms, server_ms = {"case": [], "flow": []}, {"case": [], "flow": []}, []
    case_text, flow_text = case.read_text(), flow.read_text()
    case_title = re.search(r"^title: (.*)$", case_text, re.M).group(1)
    flow_title = re.search(r"^    title: (.*)$", flow_text, re.M).group(1)
    for i in range(a.edits):
        kind = "case" if i % 2 == 0 else "flow"
        mark = f"編集{i}"
        if kind == "case":
            path, page = case, case_page
            text = case_text.replace(f"title: {case_title}", f"title: {case_title}{mark}", 1)
        else:
            path, page = flow, flow_page
            text = flow_text.replace(f"    title: {flow_title}", f"    title: {flow_title}{mark}", 1)
        drain()
        t0 = time.perf_counter()
        atomic_save(path, text)
        while True:
            t1, ev, data = q.get(timeout=600)
            if ev == "reload" and (data["pages"] == "all" or page in data["pages"]):
                break
        status, body = get(port, page)
        t2 = time.perf_counter()
        assert status == 200 and mark in body, (status, page, mark)
        reload_ms[kind].append((t1 - t0) * 1000)
        served_ms[kind].append((t2 - t0) * 1000)
        time.sleep(0.3)
    while True:
        try:
            line = logs.get_nowait()
        except Empty:
            break
        m = re.match(r"updated \d+ page\(s\) in (\d+) ms", line)
        if m:
            server_ms.append(int(m.group(1)))
    mem = proc_status(proc.pid)
    proc.terminate()
    proc.wait(timeout=10)

    files = sum(1 for _ in pol.rglob("*") if _.is_file())
    load = open("/proc/loadavg").read().split()[:3]
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True).stdout.strip()
    print(f"`mamoru serve` on {a.policy or f'bench/gen.py --cases {a.cases} --seed {a.seed}'} "
          f"({len(cases)} cases, {files} files); mamoru {rev}; {os.cpu_count()} CPUs; "
          f"load average {' '.join(load)}; {a.edits} edits (alternately a case and a flow, atomic saves)\n")
    base = statistics.median(build_s) * 1000
    print("| measured | p50 | p95 | max | × baseline (p50) |")
    print("|---|---:|---:|---:|---:|")
    rows = [("case edit: write → reload message", reload_ms["case"]),
            ("case edit: write → updated page served", served_ms["case"]),
            ("flow edit: write → reload message", reload_ms["flow"]),
            ("flow edit: write → updated page served", served_ms["flow"]),
            ("server's own rebuild (log)", server_ms),
            ("baseline: `mamoru build` (whole site to disk)", [s * 1000 for s in build_s])]
    for name, xs in rows:
        if xs:
            print(f"| {name} | {statistics.median(xs):,.0f} ms | {pct(xs, 95):,.0f} ms | {max(xs):,.0f} ms "
                  f"| {statistics.median(xs) / base:.3f} |")
    print(f"\nfirst build until serving: {first_s:.1f} s; server memory after the edits: "
          f"{mem.get('VmRSS')} MiB resident, {mem.get('VmHWM')} MiB peak")
    shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
