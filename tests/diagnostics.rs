//! One broken variant of a small valid policy per diagnostic kind: each must be reported with its
//! code, in the right file, on the right line — and nothing may panic.

mod common;
use common::*;
use std::path::Path;

/// An edit of the `mini` fixture and where its diagnostic must point.
struct Case {
    name: &'static str,
    edits: &'static [(&'static str, &'static str, &'static str)],
    code: &'static str,
    file: &'static str,
    /// The diagnostic's line is the first line holding this text (None: only the file is checked).
    line_of: Option<&'static str>,
}

const CASES: &[Case] = &[
    Case {
        name: "a link to a page the manual does not have",
        edits: &[(
            "pages/about.md",
            "order: 1\n---\n",
            "order: 1\n---\n[電話](flows/fone.html)\n",
        )],
        code: "E250",
        file: "pages/about.md",
        line_of: Some("[電話](flows/fone.html)"),
    },
    Case {
        name: "an image that is not in site/",
        edits: &[("cases/b.md", "顧客A", "![図](assets/missing.png)\n顧客A")],
        code: "E250",
        file: "cases/b.md",
        line_of: Some("![図](assets/missing.png)"),
    },
    Case {
        name: "a link to a step that does not exist",
        edits: &[(
            "definitions/claim.md",
            "妥当な要求。",
            "[警告](flows/phone.html#step-warning)",
        )],
        code: "E250",
        file: "definitions/claim.md",
        line_of: Some("[警告](flows/phone.html#step-warning)"),
    },
    Case {
        name: "full-width colon after a key",
        edits: &[("policy.yaml", "title: ミニ", "title：ミニ")],
        code: "E015",
        file: "policy.yaml",
        line_of: Some("title：ミニ"),
    },
    Case {
        name: "full-width space in the indentation",
        edits: &[(
            "flows/phone.yaml",
            "    role: sv\n    title: 相談",
            "　　role: sv\n    title: 相談",
        )],
        code: "E016",
        file: "flows/phone.yaml",
        line_of: Some("　　role: sv"),
    },
    Case {
        name: "no space after a colon",
        edits: &[("cases/a.md", "title: 事例 a", "title:事例a")],
        code: "E017",
        file: "cases/a.md",
        line_of: Some("title:事例a"),
    },
    Case {
        name: "full-width digits for a number",
        edits: &[("cases/a.md", "events: []", "events: []\nminutes: １２５")],
        code: "E018",
        file: "cases/a.md",
        line_of: Some("minutes: １２５"),
    },
    Case {
        name: "a duration with a Japanese unit",
        edits: &[("policy.yaml", "hold: 3m", "hold: 3分")],
        code: "E019",
        file: "policy.yaml",
        line_of: Some("hold: 3分"),
    },
    Case {
        // A documented optional field: its schema is an `anyOf` with a description.
        name: "a step's hold with a Japanese unit",
        edits: &[("flows/phone.yaml", "hold: hold", "hold: 3分")],
        code: "E019",
        file: "flows/phone.yaml",
        line_of: Some("hold: 3分"),
    },
    Case {
        name: "full-width separators in a list",
        edits: &[(
            "flows/phone.yaml",
            "channel: [phone]",
            "channel: [phone、chat]",
        )],
        code: "E015",
        file: "flows/phone.yaml",
        line_of: Some("channel: [phone、chat]"),
    },
    Case {
        name: "a date that does not exist",
        edits: &[(
            "policy.yaml",
            "effective_from: 2026-04-01",
            "effective_from: 2026-02-30",
        )],
        code: "E103",
        file: "policy.yaml",
        line_of: Some("effective_from: 2026-02-30"),
    },
    Case {
        name: "an otherwise branch no contact reaches",
        edits: &[(
            "flows/phone.yaml",
            "      - when: {verdict: [harassment]}\n        to: warn\n      - otherwise: consult",
            "      - when: {verdict: [harassment, gray]}\n        to: warn\n      - otherwise: consult",
        )],
        code: "E223",
        file: "flows/phone.yaml",
        line_of: Some("      - otherwise: consult"),
    },
    Case {
        name: "duplicate key",
        edits: &[("policy.yaml", "lang: ja", "lang: ja\ntitle: 重複")],
        code: "E010",
        file: "policy.yaml",
        line_of: Some("title: 重複"),
    },
    Case {
        name: "empty file",
        edits: &[("scripts.yaml", "", "")],
        code: "E003",
        file: "scripts.yaml",
        line_of: None,
    },
    Case {
        name: "front matter missing",
        edits: &[("cases/a.md", "---\nid: a", "id: a")],
        code: "E009",
        file: "cases/a.md",
        line_of: Some("id: a"),
    },
    Case {
        name: "front matter unclosed",
        edits: &[("pages/about.md", "order: 1\n---", "order: 1\n")],
        code: "E009",
        file: "pages/about.md",
        line_of: None,
    },
    Case {
        name: "yaml syntax",
        edits: &[(
            "roles.yaml",
            "org: vendor}\n- {id: staff",
            "org: vendor\n- {id: staff",
        )],
        code: "E005",
        file: "roles.yaml",
        line_of: None,
    },
    Case {
        name: "yaml tab indent",
        edits: &[("vocabulary.yaml", "  - {id: email", "\t- {id: email")],
        code: "E005",
        file: "vocabulary.yaml",
        line_of: Some("\t- {id: email"),
    },
    Case {
        name: "unknown key",
        edits: &[("flows/phone.yaml", "    hold: hold", "    hodl: hold")],
        code: "E100",
        file: "flows/phone.yaml",
        line_of: Some("hodl"),
    },
    Case {
        name: "unknown key in front matter",
        edits: &[("cases/b.md", "demand: d1", "demand: d1\ntag: [legal]")],
        code: "E100",
        file: "cases/b.md",
        line_of: Some("tag: [legal]"),
    },
    Case {
        name: "missing key",
        edits: &[(
            "roles.yaml",
            "label: スーパーバイザー, org: vendor}",
            "label: スーパーバイザー}",
        )],
        code: "E101",
        file: "roles.yaml",
        line_of: Some("id: sv"),
    },
    Case {
        name: "wrong type",
        edits: &[("policy.yaml", "version: 1.0.0", "version: 1.0")],
        code: "E102",
        file: "policy.yaml",
        line_of: Some("version"),
    },
    Case {
        name: "invalid enum",
        edits: &[("roles.yaml", "org: inhouse", "org: inhose")],
        code: "E103",
        file: "roles.yaml",
        line_of: Some("inhose"),
    },
    Case {
        name: "invalid id",
        edits: &[("flows/phone.yaml", "  - id: warn\n", "  - id: Warn Step\n")],
        code: "E103",
        file: "flows/phone.yaml",
        line_of: Some("Warn Step"),
    },
    Case {
        name: "bad duration",
        edits: &[("aftercare.yaml", "within: 1d", "within: 1 day")],
        code: "E103",
        file: "aftercare.yaml",
        line_of: Some("1 day"),
    },
    Case {
        name: "bad date",
        edits: &[("policy.yaml", "2026-04-01", "2026-02-30")],
        code: "E103",
        file: "policy.yaml",
        line_of: Some("2026-02-30"),
    },
    Case {
        name: "duplicate id",
        edits: &[("roles.yaml", "{id: sv,", "{id: operator,")],
        code: "E200",
        file: "roles.yaml",
        line_of: Some("スーパーバイザー"),
    },
    Case {
        name: "unknown role",
        edits: &[("flows/phone.yaml", "role: sv", "role: supervisor")],
        code: "E201",
        file: "flows/phone.yaml",
        line_of: Some("supervisor"),
    },
    Case {
        name: "unknown step",
        edits: &[("flows/phone.yaml", "to: resolve", "to: resolv")],
        code: "E201",
        file: "flows/phone.yaml",
        line_of: Some("resolv\n"),
    },
    Case {
        name: "unknown start",
        edits: &[("flows/phone.yaml", "start: listen", "start: listn")],
        code: "E201",
        file: "flows/phone.yaml",
        line_of: Some("start:"),
    },
    Case {
        name: "unknown threshold",
        edits: &[("flows/phone.yaml", "repeat: warnings", "repeat: warnigs")],
        code: "E201",
        file: "flows/phone.yaml",
        line_of: Some("warnigs"),
    },
    Case {
        name: "unknown threshold in text",
        edits: &[("pages/about.md", "使い方。", "{{long_cal}}を超えたら")],
        code: "E201",
        file: "pages/about.md",
        line_of: Some("long_cal"),
    },
    Case {
        name: "unknown event",
        edits: &[("flows/phone.yaml", "event: continues", "event: continue")],
        code: "E201",
        file: "flows/phone.yaml",
        line_of: Some("event: continue"),
    },
    Case {
        name: "unknown script",
        edits: &[("flows/phone.yaml", "script: warning", "script: warn")],
        code: "E201",
        file: "flows/phone.yaml",
        line_of: Some("script: warn"),
    },
    Case {
        name: "unknown verdict in grid",
        edits: &[(
            "criteria.yaml",
            "c0: [complaint, gray]",
            "c0: [complaint, grey]",
        )],
        code: "E201",
        file: "criteria.yaml",
        line_of: Some("grey"),
    },
    Case {
        name: "unknown level of a type",
        edits: &[("criteria.yaml", "min_level: d1", "min_level: d3")],
        code: "E201",
        file: "criteria.yaml",
        line_of: Some("min_level: d3"),
    },
    Case {
        name: "unknown see_also",
        edits: &[(
            "definitions/claim.md",
            "see_also: [kasuhara]",
            "see_also: [kasuhra]",
        )],
        code: "E201",
        file: "definitions/claim.md",
        line_of: Some("see_also"),
    },
    Case {
        name: "unknown case flow",
        edits: &[("cases/a.md", "flow: phone", "flow: phones")],
        code: "E201",
        file: "cases/a.md",
        line_of: Some("flow: phones"),
    },
    Case {
        name: "undeclared tag",
        edits: &[("invariants.yaml", "tags: [legal]", "tags: [lawyer]")],
        code: "E202",
        file: "invariants.yaml",
        line_of: Some("lawyer"),
    },
    Case {
        name: "undeclared channel in a case",
        edits: &[("cases/a.md", "channel: phone", "channel: fax")],
        code: "E202",
        file: "cases/a.md",
        line_of: Some("fax"),
    },
    Case {
        name: "count for a duration",
        edits: &[("flows/phone.yaml", "hold: hold", "hold: warnings")],
        code: "E203",
        file: "flows/phone.yaml",
        line_of: Some("hold: warnings"),
    },
    Case {
        name: "id differs from file",
        edits: &[("cases/a.md", "id: a", "id: aa")],
        code: "E204",
        file: "cases/a.md",
        line_of: Some("id: aa"),
    },
    Case {
        name: "grid row too short",
        edits: &[("criteria.yaml", "c1: [gray, harassment]", "c1: [gray]")],
        code: "E210",
        file: "criteria.yaml",
        line_of: Some("c1: [gray]"),
    },
    Case {
        name: "grid row missing",
        edits: &[("criteria.yaml", "  c2: [harassment, harassment]\n", "")],
        code: "E210",
        file: "criteria.yaml",
        line_of: Some("grid:"),
    },
    Case {
        name: "grid row unknown",
        edits: &[(
            "criteria.yaml",
            "  c2: [harassment, harassment]\n",
            "  c2: [harassment, harassment]\n  c9: [gray, gray]\n",
        )],
        code: "E210",
        file: "criteria.yaml",
        line_of: Some("c9"),
    },
    Case {
        name: "independent type on a mixed row",
        edits: &[(
            "criteria.yaml",
            "min_level: c2, verdict: harassment",
            "min_level: c1, verdict: harassment",
        )],
        code: "E211",
        file: "criteria.yaml",
        line_of: Some("id: violence"),
    },
    Case {
        name: "flows overlap",
        edits: &[(
            "flows/other.yaml",
            "not: {channel: [phone], not: {tags: [legal]}}",
            "channel: [email, phone]",
        )],
        code: "E220",
        file: "flows/phone.yaml",
        line_of: Some("applies_to"),
    },
    Case {
        name: "flow gap",
        edits: &[(
            "flows/other.yaml",
            "not: {channel: [phone], not: {tags: [legal]}}",
            "channel: [email]",
        )],
        code: "W001",
        file: "flows/other.yaml",
        line_of: Some("applies_to"),
    },
    Case {
        name: "unreachable step",
        edits: &[(
            "flows/phone.yaml",
            "  - id: disconnect\n",
            "  - id: orphan\n    role: sv\n    title: 孤立\n    end: なし\n  - id: disconnect\n",
        )],
        code: "E221",
        file: "flows/phone.yaml",
        line_of: Some("orphan"),
    },
    Case {
        name: "dead-end step",
        edits: &[("flows/phone.yaml", "    end: 解決\n", "")],
        code: "E222",
        file: "flows/phone.yaml",
        line_of: Some("id: resolve"),
    },
    Case {
        name: "cycle without repeat",
        edits: &[(
            "flows/phone.yaml",
            "    end: SVが引き継ぐ\n",
            "    next:\n      - otherwise: listen\n",
        )],
        code: "E222",
        file: "flows/phone.yaml",
        line_of: Some("id: listen"),
    },
    Case {
        name: "shadowed branch",
        edits: &[(
            "flows/phone.yaml",
            "      - otherwise: consult\n",
            "      - when: {verdict: [complaint]}\n        to: consult\n      - otherwise: consult\n",
        )],
        code: "E223",
        file: "flows/phone.yaml",
        line_of: Some("{verdict: [complaint]}\n        to: consult"),
    },
    Case {
        name: "no branch holds",
        edits: &[("flows/phone.yaml", "      - otherwise: consult\n", "")],
        code: "E224",
        file: "flows/phone.yaml",
        line_of: Some("next:"),
    },
    Case {
        name: "hold above invariant",
        edits: &[("flows/phone.yaml", "hold: hold", "hold: 5m")],
        code: "E225",
        file: "flows/phone.yaml",
        line_of: Some("hold: 5m"),
    },
    Case {
        name: "end and next",
        edits: &[(
            "flows/phone.yaml",
            "    end: 解決\n",
            "    end: 解決\n    next:\n      - otherwise: consult\n",
        )],
        code: "E226",
        file: "flows/phone.yaml",
        line_of: Some("end: 解決"),
    },
    Case {
        name: "otherwise not last",
        edits: &[(
            "flows/phone.yaml",
            "      - when: {event: continues}\n        to: disconnect\n      - otherwise: consult\n",
            "      - otherwise: consult\n      - when: {event: continues}\n        to: disconnect\n",
        )],
        code: "E226",
        file: "flows/phone.yaml",
        line_of: Some("otherwise: consult\n      - when"),
    },
    Case {
        name: "event in applies_to",
        edits: &[(
            "flows/other.yaml",
            "applies_to:\n",
            "applies_to:\n  event: continues\n",
        )],
        code: "E226",
        file: "flows/other.yaml",
        line_of: Some("applies_to"),
    },
    Case {
        name: "invariant violated",
        edits: &[("flows/other.yaml", "role: staff", "role: sv")],
        code: "E230",
        file: "flows/other.yaml",
        line_of: Some("id: receive"),
    },
    Case {
        name: "case verdict",
        edits: &[("cases/a.md", "verdict: complaint", "verdict: gray")],
        code: "E240",
        file: "cases/a.md",
        line_of: Some("verdict: gray"),
    },
    Case {
        name: "case flow",
        edits: &[("cases/a.md", "flow: phone", "flow: other")],
        code: "E241",
        file: "cases/a.md",
        line_of: Some("flow: other"),
    },
    Case {
        name: "case route",
        edits: &[(
            "cases/a.md",
            "route: [listen,resolve]",
            "route: [listen,consult]",
        )],
        code: "E242",
        file: "cases/a.md",
        line_of: Some("route:"),
    },
    Case {
        name: "case verdict moved by a derived type",
        edits: &[("cases/a.md", "demand: d0", "demand: d0\nminutes: 90")],
        code: "E240",
        file: "cases/a.md",
        line_of: Some("verdict: complaint"),
    },
    Case {
        name: "personal data",
        edits: &[(
            "cases/a.md",
            "顧客Aからのお申し出。",
            "折り返しは 090-1234-5678 へ。",
        )],
        code: "W010",
        file: "cases/a.md",
        line_of: Some("090-1234"),
    },
    Case {
        name: "term variant",
        edits: &[(
            "pages/about.md",
            "使い方。",
            "カスタマー・ハラスメントへの対応。",
        )],
        code: "W011",
        file: "pages/about.md",
        line_of: Some("カスタマー・"),
    },
    Case {
        name: "vague wording",
        edits: &[(
            "flows/phone.yaml",
            "    end: 解決\n",
            "    do: お客さまには適切に対応する。\n    end: 解決\n",
        )],
        code: "W013",
        file: "flows/phone.yaml",
        line_of: Some("適切に"),
    },
    Case {
        name: "review.yaml: unknown column",
        edits: &[("review.yaml", "field_verdict: 判定", "field_verdit: 判定")],
        code: "E100",
        file: "review.yaml",
        line_of: Some("field_verdit"),
    },
    Case {
        name: "review.yaml: one header for two columns",
        edits: &[("review.yaml", "vendor: 委託先", "vendor: 判定")],
        code: "E260",
        file: "review.yaml",
        line_of: Some("vendor: 判定"),
    },
    Case {
        name: "review.yaml: a label that already names another verdict",
        edits: &[(
            "review.yaml",
            "カスハラ: harassment",
            "カスハラ: harassment\n    グレーゾーン: harassment",
        )],
        code: "E260",
        file: "review.yaml",
        line_of: Some("グレーゾーン"),
    },
    Case {
        name: "review.yaml: a label mapped to an unknown id",
        edits: &[("review.yaml", "カスハラ: harassment", "カスハラ: harasment")],
        code: "E201",
        file: "review.yaml",
        line_of: Some("harasment"),
    },
    Case {
        name: "unknown time zone",
        edits: &[("policy.yaml", "lang: ja", "lang: ja\ntimezone: Asia/Tokio")],
        code: "E103",
        file: "policy.yaml",
        line_of: Some("timezone"),
    },
    Case {
        name: "cell and step without case",
        edits: &[("cases/f.md", "", "")],
        code: "W015",
        file: "criteria.yaml",
        line_of: Some("c2: ["),
    },
    Case {
        name: "step without case",
        edits: &[("cases/f.md", "", "")],
        code: "W014",
        file: "flows/other.yaml",
        line_of: Some("id: receive"),
    },
];

/// Broken variants of the `facts` fixture: the checks of format 1.1 (parties, counters,
/// `any`, protective caps).
const FACT_CASES: &[Case] = &[
    Case {
        name: "cap on a type unacceptable whatever the demand",
        edits: &[(
            "criteria.yaml",
            "    conduct_types: [persistent]",
            "    conduct_types: [persistent, violence]",
        )],
        code: "E212",
        file: "criteria.yaml",
        line_of: Some("[persistent, violence]"),
    },
    Case {
        name: "cap whose maximum changes nothing",
        edits: &[(
            "criteria.yaml",
            "    conduct_types: [persistent]",
            "    conduct_types: [persistent]\n    max_conduct: c1",
        )],
        code: "E213",
        file: "criteria.yaml",
        line_of: Some("    conduct_types: [persistent]"),
    },
    Case {
        name: "cap maximum without types",
        edits: &[(
            "criteria.yaml",
            "    conduct_types: [persistent]",
            "    conduct_types: [persistent]\n    max_demand: d0",
        )],
        code: "E213",
        file: "criteria.yaml",
        line_of: Some("max_demand: d0"),
    },
    Case {
        name: "cap without types",
        edits: &[(
            "criteria.yaml",
            "    conduct_types: [persistent]",
            "    conduct_types: []",
        )],
        code: "E213",
        file: "criteria.yaml",
        line_of: Some("id: elderly"),
    },
    Case {
        name: "cap testing the verdict",
        edits: &[(
            "criteria.yaml",
            "    when: {tags: [elderly]}",
            "    when: {tags: [elderly], any: [{verdict: gray}]}",
        )],
        code: "E214",
        file: "criteria.yaml",
        line_of: Some("any: [{verdict: gray}]"),
    },
    Case {
        name: "unknown type in a cap",
        edits: &[(
            "criteria.yaml",
            "    conduct_types: [persistent]",
            "    conduct_types: [persistant]",
        )],
        code: "E201",
        file: "criteria.yaml",
        line_of: Some("[persistant]"),
    },
    Case {
        name: "undeclared party in a branch",
        edits: &[("flows/phone.yaml", "{party: family}", "{party: familly}")],
        code: "E202",
        file: "flows/phone.yaml",
        line_of: Some("familly"),
    },
    Case {
        name: "undeclared party in a case",
        edits: &[("cases/i.md", "party: family", "party: famly")],
        code: "E202",
        file: "cases/i.md",
        line_of: Some("famly"),
    },
    Case {
        name: "undeclared counter in a case",
        edits: &[("cases/g.md", "calls-7d: 4", "calls-8d: 4")],
        code: "E202",
        file: "cases/g.md",
        line_of: Some("calls-8d"),
    },
    Case {
        name: "undeclared counter in a type",
        edits: &[(
            "criteria.yaml",
            "counts_at_least: {calls-7d: busy_week}",
            "counts_at_least: {calls-7: busy_week}",
        )],
        code: "E202",
        file: "criteria.yaml",
        line_of: Some("calls-7:"),
    },
    Case {
        name: "duration for a count of contacts",
        edits: &[(
            "criteria.yaml",
            "{calls-7d: busy_week}",
            "{calls-7d: long_call}",
        )],
        code: "E203",
        file: "criteria.yaml",
        line_of: Some("long_call}"),
    },
    Case {
        name: "event inside any in applies_to",
        edits: &[(
            "flows/other.yaml",
            "applies_to:\n",
            "applies_to:\n  any: [{event: continues}]\n",
        )],
        code: "E226",
        file: "flows/other.yaml",
        line_of: Some("applies_to"),
    },
    Case {
        name: "case verdict moved by facts over time",
        edits: &[(
            "cases/a.md",
            "demand: d0",
            "demand: d0\ncounts: {calls-7d: 3}",
        )],
        code: "E240",
        file: "cases/a.md",
        line_of: Some("verdict: complaint"),
    },
    Case {
        name: "case verdict kept by a cap",
        edits: &[("cases/h.md", "verdict: complaint", "verdict: gray")],
        code: "E240",
        file: "cases/h.md",
        line_of: Some("verdict: gray"),
    },
];

/// Broken variants of the example policy: `compliance.yaml` and the manifest's dates.
const EXAMPLE_CASES: &[Case] = &[
    Case {
        name: "unknown item in a compliance measure",
        edits: &[(
            "compliance.yaml",
            "          - aftercare/training\n",
            "          - aftercare/trainig\n",
        )],
        code: "E201",
        file: "compliance.yaml",
        line_of: Some("aftercare/trainig"),
    },
    Case {
        name: "unknown step in a compliance measure",
        edits: &[(
            "compliance.yaml",
            "          - flows/phone/listen\n",
            "          - flows/phone/lisen\n",
        )],
        code: "E201",
        file: "compliance.yaml",
        line_of: Some("flows/phone/lisen"),
    },
    Case {
        name: "required measure without items",
        edits: &[(
            "compliance.yaml",
            "        items: [compliance]\nannouncements:",
            "        items: []\nannouncements:",
        )],
        code: "W016",
        file: "compliance.yaml",
        line_of: Some("id: announced"),
    },
    Case {
        name: "revised before created",
        edits: &[("policy.yaml", "revised: 2026-09-01", "revised: 2025-09-01")],
        code: "E103",
        file: "policy.yaml",
        line_of: Some("revised: 2025-09-01"),
    },
];

fn apply(dir: &Path, edits: &[(&str, &str, &str)]) {
    for (file, find, replace) in edits {
        if find.is_empty() {
            // Empty the file (or remove it, for cases).
            if file.starts_with("cases/") {
                std::fs::remove_file(dir.join(file)).unwrap();
            } else {
                std::fs::write(dir.join(file), "").unwrap();
            }
        } else {
            edit(dir, file, find, replace);
        }
    }
}

#[test]
fn the_mini_fixture_is_clean() {
    let d = check(&fixture("mini"));
    assert!(d.is_empty(), "{}", show(&d));
}

#[test]
fn every_broken_variant_is_reported_in_the_right_place() {
    broken_variants("mini", CASES);
}

#[test]
fn every_broken_variant_of_the_new_facts_is_reported_in_the_right_place() {
    broken_variants("facts", FACT_CASES);
}

#[test]
fn every_broken_variant_of_the_example_is_reported_in_the_right_place() {
    broken_variants("", EXAMPLE_CASES);
}

/// `fixture_name` empty: the example policy.
fn broken_variants(fixture_name: &str, cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let dir = copy_of(&if fixture_name.is_empty() {
            example()
        } else {
            fixture(fixture_name)
        });
        apply(dir.path(), case.edits);
        let diags = check(dir.path());
        let line = case.line_of.map(|m| line_of(dir.path(), case.file, m));
        let found = diags.iter().any(|d| {
            d.code == case.code
                && d.file.as_deref() == Some(case.file)
                && (line.is_none() || d.line == line)
        });
        if !found {
            failures.push(format!(
                "{}: expected {} at {}:{}\n got:\n{}",
                case.name,
                case.code,
                case.file,
                line.map_or("?".into(), |l| l.to_string()),
                show(&diags)
            ));
        }
        // Errors the variant is about must make the check fail; warnings must not.
        let errors = diags.iter().filter(|d| d.code.starts_with('E')).count();
        if case.code.starts_with('E') && errors == 0 {
            failures.push(format!("{}: no error reported", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn all_errors_are_reported_at_once() {
    let dir = copy_of(&fixture("mini"));
    apply(
        dir.path(),
        &[
            ("roles.yaml", "org: inhouse", "org: inhose"),
            ("flows/phone.yaml", "    hold: hold", "    hodl: hold"),
            ("cases/a.md", "verdict: complaint", "verdict: gray"),
            (
                "stance.md",
                "title: 基本姿勢",
                "title: 基本姿勢\ntitle: 重複",
            ),
        ],
    );
    let codes: Vec<String> = check(dir.path()).into_iter().map(|d| d.code).collect();
    for c in ["E103", "E100", "E240", "E010"] {
        assert!(codes.iter().any(|x| x == c), "{c} missing from {codes:?}");
    }
}

#[test]
fn invalid_utf8_is_located() {
    let dir = copy_of(&fixture("mini"));
    let mut bytes = std::fs::read(dir.path().join("stance.md")).unwrap();
    bytes.extend_from_slice(b"\n\xe3\x81\n");
    std::fs::write(dir.path().join("stance.md"), bytes).unwrap();
    let d = check(dir.path());
    let e = d.iter().find(|d| d.code == "E002").expect("E002");
    assert_eq!(
        (e.file.as_deref(), e.line, e.column),
        (Some("stance.md"), Some(9), Some(1))
    );
}

#[test]
fn alias_bombs_are_refused() {
    let dir = copy_of(&fixture("mini"));
    let mut y = String::from(
        "id: mini\ntitle: t\nversion: 1.0.0\nowners: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..10 {
        let p = format!("*a{}", i - 1);
        y += &format!("l{i}: &a{i} [{p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}]\n");
    }
    std::fs::write(dir.path().join("policy.yaml"), y).unwrap();
    let d = check(dir.path());
    assert!(
        d.iter()
            .any(|d| d.code == "E006" && d.file.as_deref() == Some("policy.yaml")),
        "{}",
        show(&d)
    );
}

#[test]
fn unknown_and_missing_files_are_named() {
    let dir = copy_of(&fixture("mini"));
    std::fs::rename(
        dir.path().join("criteria.yaml"),
        dir.path().join("critera.yaml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("flows/extra.yml"), "id: extra\n").unwrap();
    let d = check(dir.path());
    let unknown: Vec<_> = d.iter().filter(|d| d.code == "E007").collect();
    assert_eq!(unknown.len(), 2, "{}", show(&d));
    assert!(
        unknown
            .iter()
            .any(|d| d.hint.as_deref().unwrap_or("").contains("criteria.yaml"))
    );
    assert!(
        d.iter()
            .any(|d| d.code == "E008" && d.file.as_deref() == Some("criteria.yaml"))
    );
}

#[test]
fn oversized_files_are_refused_unread() {
    let dir = copy_of(&fixture("mini"));
    let big = format!("---\ntitle: big\n---\n{}", "あ".repeat(3 * 1024 * 1024));
    std::fs::write(dir.path().join("pages/big.md"), big).unwrap();
    let d = check(dir.path());
    assert!(
        d.iter()
            .any(|d| d.code == "E004" && d.file.as_deref() == Some("pages/big.md")),
        "{}",
        show(&d)
    );
}

#[test]
fn crlf_bom_and_raw_html_are_valid() {
    let dir = copy_of(&fixture("mini"));
    for entry in walk(dir.path()) {
        let text = std::fs::read_to_string(&entry).unwrap();
        let crlf = format!("\u{feff}{}", text.replace('\n', "\r\n"));
        std::fs::write(&entry, crlf).unwrap();
    }
    edit(
        dir.path(),
        "pages/about.md",
        "使い方。",
        "<div class=\"note\">使い方。<script>alert(1)</script></div>",
    );
    let d = check(dir.path());
    assert!(d.is_empty(), "{}", show(&d));
    // Positions stay right in CRLF files.
    edit(dir.path(), "roles.yaml", "org: inhouse", "org: inhose");
    let d = check(dir.path());
    let e = d.iter().find(|d| d.code == "E103").expect("E103");
    assert_eq!((e.line, e.column), (Some(3), Some(31)));
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
