#!/usr/bin/env python3
"""Benchmark `mamoru lsp`: the time from an edit to its diagnostics, as an editor sees it.

    python3 bench/lsp.py [--bin target/release/mamoru] [--policy DIR] [--edits 200]

Copies the policy (default: the example, via `mamoru init`) into a scratch folder, starts
`mamoru lsp` on it, opens flows/phone.yaml and makes --edits one-line edits that alternately
misspell a role (`operator` -> `operater`) and fix it, each sent as an LSP didChange. Measured
from writing the didChange to reading the publishDiagnostics for that file:
  - edit -> diagnostics: the mistake's E201 appears, or the list clears;
  - edit -> hover: a didChange of a title (diagnostics unchanged) followed at once by a hover,
    which the server answers after checking the new text.
The named baseline, in the same run, is `mamoru check DIR` from the command line (process start,
read, check, exit), timed --edits/10 times. Prints a Markdown table. Standard library only.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from queue import Queue, Empty


def send(proc, msg):
    body = json.dumps(msg, ensure_ascii=False).encode()
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()


def reader(proc, q):
    f = proc.stdout
    while True:
        length = None
        while True:
            line = f.readline()
            if not line:
                return
            line = line.strip()
            if not line:
                break
            k, _, v = line.partition(b":")
            if k.lower() == b"content-length":
                length = int(v)
        q.put((time.perf_counter(), json.loads(f.read(length))))


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(Path(__file__).resolve().parent.parent / "target/release/mamoru"))
    ap.add_argument("--policy")
    ap.add_argument("--edits", type=int, default=200)
    a = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mamoru-lsp-bench-"))
    root = work / "policy"
    if a.policy:
        shutil.copytree(a.policy, root)
    else:
        subprocess.run([a.bin, "init", str(root)], check=True, capture_output=True)
    phone = root / "flows/phone.yaml"
    text = phone.read_text()
    lines = text.split("\n")
    line = next(i for i, l in enumerate(lines) if l.strip() == "role: operator")
    col = lines[line].index("operator")
    tline = next(i for i, l in enumerate(lines) if l.startswith("title:"))
    uri = phone.as_uri()

    proc = subprocess.Popen([a.bin, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env={**os.environ, "LANG": "C"})
    q = Queue()
    threading.Thread(target=reader, args=(proc, q), daemon=True).start()
    logs = []

    def wait(pred, timeout=30):
        end = time.perf_counter() + timeout
        while True:
            t, m = q.get(timeout=max(0.001, end - time.perf_counter()))
            if m.get("method") == "window/logMessage":
                logs.append(m["params"]["message"])
            if pred(m):
                return t, m

    send(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"processId": None, "rootUri": root.as_uri(), "capabilities": {}}})
    wait(lambda m: m.get("id") == 1)
    send(proc, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
    send(proc, {"jsonrpc": "2.0", "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}})
    time.sleep(1.0)
    while True:  # drain what the open produced
        try:
            q.get_nowait()
        except Empty:
            break

    def change(version, rng, new):
        send(proc, {"jsonrpc": "2.0", "method": "textDocument/didChange",
                    "params": {"textDocument": {"uri": uri, "version": version},
                               "contentChanges": [{"range": rng, "text": new}]}})

    def rng(l, c1, c2):
        return {"start": {"line": l, "character": c1}, "end": {"line": l, "character": c2}}

    version = 1
    diag_ms = []
    for i in range(a.edits):
        version += 1
        broken = i % 2 == 0
        t0 = time.perf_counter()
        change(version, rng(line, col, col + 8), "operater" if broken else "operator")
        t1, m = wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                     and m["params"]["uri"] == uri
                     and any(d.get("code") == "E201" for d in m["params"]["diagnostics"]) == broken)
        diag_ms.append((t1 - t0) * 1000)

    hover_ms = []
    title_len = len(lines[tline])
    for i in range(a.edits):
        version += 1
        new = lines[tline] + ("！" if i % 2 == 0 else "")
        cur = title_len + (0 if i % 2 == 0 else 1)
        t0 = time.perf_counter()
        change(version, rng(tline, 0, cur), new)
        rid = 1000 + i
        send(proc, {"jsonrpc": "2.0", "id": rid, "method": "textDocument/hover",
                    "params": {"textDocument": {"uri": uri}, "position": {"line": line, "character": col + 1}}})
        t1, m = wait(lambda m: m.get("id") == rid)
        assert m["result"] and "operator" in m["result"]["contents"]["value"], m
        hover_ms.append((t1 - t0) * 1000)

    send(proc, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
    wait(lambda m: m.get("id") == 2)
    send(proc, {"jsonrpc": "2.0", "method": "exit"})
    proc.wait(timeout=10)

    check_ms = []
    for _ in range(max(5, a.edits // 10)):
        t0 = time.perf_counter()
        subprocess.run([a.bin, "check", str(root)], capture_output=True)
        check_ms.append((time.perf_counter() - t0) * 1000)

    server = [float(l.rsplit("(", 1)[1].split(" ms")[0]) for l in logs if l.endswith(" ms)")]
    files = sum(1 for _ in root.rglob("*") if _.is_file())
    cases = len(list((root / "cases").glob("*.md")))
    load = open("/proc/loadavg").read().split()[:3]
    print(f"`mamoru lsp` on {a.policy or 'the example policy'} ({cases} cases, {files} files); "
          f"{os.cpu_count()} CPUs; load average {' '.join(load)}; {a.edits} edits each\n")
    print("| measured | p50 | p95 | max | × baseline (p50) |")
    print("|---|---:|---:|---:|---:|")
    base = statistics.median(check_ms)
    for name, xs in [("edit → diagnostics (E201 appears / clears)", diag_ms),
                     ("edit → hover answered (check re-run first)", hover_ms),
                     ("server's own check of the folder (log)", server),
                     ("baseline: `mamoru check DIR` process", check_ms)]:
        if xs:
            print(f"| {name} | {statistics.median(xs):.1f} ms | {pct(xs, 95):.1f} ms | {max(xs):.1f} ms "
                  f"| {statistics.median(xs) / base:.2f} |")
    shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
