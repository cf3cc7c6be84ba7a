//! Every text the language server shows an author, in Japanese and English, in one place (to move
//! into the project's message catalogue mechanically). Diagnostics themselves are `check`'s.

use super::index::IdKind;

/// The author's language: the client's `locale`, else `LANG`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    /// `ja`, `ja-JP`, `ja_JP.UTF-8` → Japanese; anything else English.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.to_ascii_lowercase().starts_with("ja") {
            Lang::Ja
        } else {
            Lang::En
        }
    }

    /// The client's locale if it sent one, else the environment's.
    pub fn detect(locale: Option<&str>) -> Lang {
        match locale {
            Some(l) if !l.is_empty() => Lang::from_tag(l),
            _ => ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
                .map_or(Lang::En, |l| Lang::from_tag(&l)),
        }
    }
}

/// The name of a kind of id.
pub fn kind(k: IdKind, lang: Lang) -> &'static str {
    use IdKind::*;
    match lang {
        Lang::Ja => match k {
            Role => "役割",
            Step => "ステップ",
            ConductLevel => "行為のレベル",
            DemandLevel => "要求のレベル",
            Verdict => "判定",
            ConductType => "行為の類型",
            DemandType => "要求の類型",
            Threshold => "しきい値",
            Term => "用語",
            Script => "文例",
            Event => "出来事",
            Channel => "チャネル",
            Tag => "タグ",
            Flow => "フロー",
            Case => "事例",
            Invariant => "不変条件",
            Aftercare => "事後対応",
            Vendor => "委託先",
            Page => "ページ",
        },
        Lang::En => match k {
            Role => "role",
            Step => "step",
            ConductLevel => "conduct level",
            DemandLevel => "demand level",
            Verdict => "verdict",
            ConductType => "conduct type",
            DemandType => "demand type",
            Threshold => "threshold",
            Term => "term",
            Script => "script",
            Event => "event",
            Channel => "channel",
            Tag => "tag",
            Flow => "flow",
            Case => "case",
            Invariant => "invariant",
            Aftercare => "aftercare item",
            Vendor => "vendor",
            Page => "page",
        },
    }
}

/// "defined in roles.yaml:3".
pub fn defined_at(place: &str, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("定義: {place}"),
        Lang::En => format!("defined in {place}"),
    }
}

/// "5 references".
pub fn references(n: usize, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("参照 {n} 件"),
        Lang::En => format!("{n} reference{}", if n == 1 { "" } else { "s" }),
    }
}

/// "in flow `phone`" (where a step belongs).
pub fn in_flow(flow: &str, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("フロー `{flow}` のステップ"),
        Lang::En => format!("in flow `{flow}`"),
    }
}

/// "steps: listen → resolve → …" for a flow.
pub fn steps(list: &str, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("ステップ: {list}"),
        Lang::En => format!("steps: {list}"),
    }
}

/// An id nothing defines.
pub fn undefined(kind_name: &str, id: &str, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("{kind_name} `{id}` はどこにも定義されていません"),
        Lang::En => format!("no {kind_name} `{id}` is defined"),
    }
}

/// Where a fork's item comes from.
pub fn provenance(p: &crate::resolve::Provenance, lang: Lang) -> Option<String> {
    use crate::resolve::Provenance::*;
    Some(match (p, lang) {
        (Inherited { upstream, version }, Lang::Ja) => format!("{upstream} {version} から継承"),
        (Inherited { upstream, version }, Lang::En) => {
            format!("inherited from {upstream} {version}")
        }
        (
            Overridden {
                upstream, version, ..
            },
            Lang::Ja,
        ) => format!("{upstream} {version} から変更"),
        (
            Overridden {
                upstream, version, ..
            },
            Lang::En,
        ) => format!("changed from {upstream} {version}"),
        (Own, Lang::Ja) => "この版で追加".to_string(),
        (Own, Lang::En) => "added in this policy".to_string(),
        (Removed { .. }, _) => return None,
    })
}

/// What a key of a condition (`when`, `applies_to`) tests, for completion.
pub fn condition_key(key: &str, lang: Lang) -> &'static str {
    match (key, lang) {
        ("verdict", Lang::Ja) => "判定がいずれか",
        ("verdict", Lang::En) => "the verdict is any of",
        ("conduct_at_least", Lang::Ja) => "行為のレベルが以上",
        ("conduct_at_least", Lang::En) => "the effective conduct level is at least",
        ("demand_at_least", Lang::Ja) => "要求のレベルが以上",
        ("demand_at_least", Lang::En) => "the effective demand level is at least",
        ("conduct_types", Lang::Ja) => "行為の類型のいずれか",
        ("conduct_types", Lang::En) => "has any of these conduct types",
        ("demand_types", Lang::Ja) => "要求の類型のいずれか",
        ("demand_types", Lang::En) => "has any of these demand types",
        ("tags", Lang::Ja) => "タグのいずれか",
        ("tags", Lang::En) => "carries any of these tags",
        ("channel", Lang::Ja) => "チャネルがいずれか",
        ("channel", Lang::En) => "came through any of these channels",
        ("event", Lang::Ja) => "出来事のいずれかが起きた",
        ("event", Lang::En) => "any of these events happened",
        ("minutes_at_least", Lang::Ja) => "応対時間が以上",
        ("minutes_at_least", Lang::En) => "lasted at least",
        ("repeats_at_least", Lang::Ja) => "同じ要求の繰り返しが以上",
        ("repeats_at_least", Lang::En) => "the same claim was repeated at least",
        ("not", Lang::Ja) => "内側の条件が成り立たない",
        ("not", Lang::En) => "the inner condition does not hold",
        (_, Lang::Ja) => "条件",
        (_, Lang::En) => "condition",
    }
}

/// The language server's own log lines (the client's output panel).
pub fn analysed(root: &str, ms: f64, errors: usize, warnings: usize, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("{root}: エラー {errors} 件、警告 {warnings} 件（{ms:.1} ms）"),
        Lang::En => format!("{root}: {errors} errors, {warnings} warnings ({ms:.1} ms)"),
    }
}

/// A policy folder that could not be read at all.
pub fn unreadable(root: &str, why: &str, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("{root} を読めません: {why}"),
        Lang::En => format!("cannot read {root}: {why}"),
    }
}
