"""Evaluate a mamoru OPA bundle with Open Policy Agent's own Go engine, and check its signature.

Used by tests/opa.rs when no `opa` binary is on the PATH. The engine is OPA's
`github.com/open-policy-agent/opa/v1/rego` package built as a C shared library, shipped by the
PyPI package `opa-golib-python-bindings` (installed by .ci/run into target/opa-go; its Python
wrapper asks for Python 3.14, but the library itself loads from any Python through ctypes).

usage: opa_go.py BRIDGE_DIR BUNDLE.tar.gz CONTACTS.jsonl [PUBLIC_KEY.pem]

Prints one JSON line per contact (the decision, or null when the bundle refuses the input),
then a last line {"tests": {name: passed}, "signature": {...}}.
"""

import base64
import hashlib
import io
import json
import sys
import tarfile


def go_json(value):
    """A JSON primitive as Go's encoding/json writes it without HTML escaping."""
    if isinstance(value, str):
        out = ['"']
        for ch in value:
            o = ord(ch)
            if ch == '"':
                out.append('\\"')
            elif ch == "\\":
                out.append("\\\\")
            elif ch == "\n":
                out.append("\\n")
            elif ch == "\r":
                out.append("\\r")
            elif ch == "\t":
                out.append("\\t")
            elif ch == "\b":
                out.append("\\b")
            elif ch == "\f":
                out.append("\\f")
            elif o < 0x20 or ch in "\u2028\u2029":
                out.append("\\u%04x" % o)
            else:
                out.append(ch)
        out.append('"')
        return "".join(out)
    return json.dumps(value)


def opa_hash_walk(value, h):
    """OPA's hash of a structured document (v1/bundle/hash.go: walk)."""
    if isinstance(value, dict):
        h.update(b"{")
        for i, key in enumerate(sorted(value, key=lambda k: k.encode())):
            if i:
                h.update(b",")
            h.update(go_json(key).encode())
            h.update(b":")
            opa_hash_walk(value[key], h)
        h.update(b"}")
    elif isinstance(value, list):
        h.update(b"[")
        for i, x in enumerate(value):
            if i:
                h.update(b",")
            opa_hash_walk(x, h)
        h.update(b"]")
    else:
        h.update(go_json(value).encode())


def file_hash(name, data):
    base = name.rsplit("/", 1)[-1]
    h = hashlib.sha256()
    if base in ("data.json", "data.yaml", ".manifest"):
        opa_hash_walk(json.loads(data), h)
    else:
        h.update(data)
    return h.hexdigest()


def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def main():
    bridge, bundle_path, contacts_path = sys.argv[1:4]
    public_key = sys.argv[4] if len(sys.argv) > 4 else None
    sys.path.insert(0, bridge)
    from opa_bindings import OpaEngine, OpaUndefinedError  # noqa: E402

    files = {}
    with tarfile.open(bundle_path, "r:gz") as t:
        for m in t.getmembers():
            if m.isfile():
                files[m.name.lstrip("/")] = t.extractfile(m).read()

    with OpaEngine() as e:
        signature = None
        if ".signatures.json" in files:
            jwt = json.loads(files[".signatures.json"])["signatures"][0]
            header, payload, _ = jwt.split(".")
            claims = json.loads(b64url(payload))
            listed = {f["name"]: f["hash"] for f in claims["files"]}
            actual = {n: file_hash(n, d) for n, d in files.items() if n != ".signatures.json"}
            verified = None
            if public_key:
                pem = open(public_key).read()
                # OPA's own JWT verification (the same library OPA's bundle verifier uses).
                e.add_policy("verify.rego", "package verify\nimport rego.v1\nok := io.jwt.verify_es256(input.jwt, input.pem)\n")
                verified = e.eval_document("verify.ok", {"jwt": jwt, "pem": pem})
            signature = {
                "header": json.loads(b64url(header)),
                "hashes_match": listed == actual,
                "algorithms": sorted({f["algorithm"] for f in claims["files"]}),
                "verified": verified,
            }

        for name, data in sorted(files.items()):
            if name.endswith(".rego"):
                e.add_policy(name, data.decode())
        for name, data in sorted(files.items()):
            if name.endswith("data.json"):
                path = ".".join(name.split("/")[:-1])
                e.add_data(json.loads(data), path=path)

        out = sys.stdout
        with open(contacts_path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    d = e.eval_document("mamoru.decision", json.loads(line))
                except OpaUndefinedError:
                    d = None
                out.write(json.dumps(d, ensure_ascii=False) + "\n")

        # What `opa test` runs: every test_ rule of the bundle.
        tests = {}
        for b in e.eval_query("x := data.mamoru.test"):
            for k, v in b["x"].items():
                if k.startswith("test_"):
                    tests[k] = v is True
        out.write(json.dumps({"tests": tests, "signature": signature}) + "\n")


if __name__ == "__main__":
    main()
