"""Validate every file of a policy folder against `mamoru schema`, independently of mamoru.

Usage: python3 validate_with_jsonschema.py SCHEMA.json POLICY_DIR
Uses PyYAML (YAML 1.2-like: dates stay strings) and the `jsonschema` package (draft 2020-12).
Prints one line per file and exits 1 if any file is invalid.
"""
import json
import pathlib
import sys

import jsonschema
import yaml


class Loader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1 timestamps, so `2026-04-01` stays a string as in YAML 1.2."""


Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def front_matter(text: str) -> str:
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].strip() == "---", "no front matter"
    end = next(i for i, l in enumerate(lines[1:], 1) if l.strip() in ("---", "..."))
    return "\n".join(lines[1:end])


def main() -> int:
    schema = json.loads(pathlib.Path(sys.argv[1]).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    root = pathlib.Path(sys.argv[2])
    failed = 0
    files = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".md"))
    for path in files:
        rel = path.relative_to(root)
        if rel.parts[0] in ("schema", "templates", "site") or rel.name.upper().startswith("README"):
            continue
        text = path.read_text(encoding="utf-8")
        data = yaml.load(front_matter(text) if path.suffix == ".md" else text, Loader=Loader)
        errors = list(validator.iter_errors(data))
        print(f"{'ok  ' if not errors else 'FAIL'} {rel}")
        for e in errors[:3]:
            print(f"     {e.json_path}: {e.message[:200]}")
        failed += bool(errors)
    print(f"{len(files)} files, {failed} invalid")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
