//! Durations as policies write them (`90s`, `3m`, `1h`, `2d`): parsing, printing, and the
//! corrections offered for what Japanese input methods type instead (`15分`, `１ｍ`).
//!
//! Shared vocabulary: every stage may use this module; it knows nothing else.

/// Seconds per unit letter.
fn unit_seconds(unit: char) -> Option<u64> {
    Some(match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86400,
        _ => return None,
    })
}

/// `90s`, `3m`, `1h`, `2d` in seconds: ASCII digits followed by one unit letter. `None` for
/// anything else, and for values that overflow.
pub fn parse_duration(s: &str) -> Option<u64> {
    let digits = s.len().checked_sub(1)?;
    let (number, unit) = (s.get(..digits)?, s.get(digits..)?);
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mul = unit_seconds(unit.chars().next()?)?;
    number.parse::<u64>().ok()?.checked_mul(mul)
}

/// Seconds as the shortest exact duration text (`180` → `3m`).
pub fn format_duration(secs: u64) -> String {
    if secs != 0 && secs.is_multiple_of(86400) {
        format!("{}d", secs / 86400)
    } else if secs != 0 && secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else if secs != 0 && secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

/// Seconds in Japanese for the manual (`180` → `3分`).
pub fn format_duration_ja(secs: u64) -> String {
    if secs != 0 && secs.is_multiple_of(86400) {
        format!("{}日", secs / 86400)
    } else if secs != 0 && secs.is_multiple_of(3600) {
        format!("{}時間", secs / 3600)
    } else if secs != 0 && secs.is_multiple_of(60) {
        format!("{}分", secs / 60)
    } else {
        format!("{secs}秒")
    }
}

/// Full-width ASCII (`１２５`, `ｍ`, `：`) folded to half-width; other characters kept.
pub fn half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

/// What to write instead of a duration typed the Japanese way: `15分` → `15m`, `１時間` → `1h`,
/// `３０ｓ` → `30s`, `1日` → `1d`, `90秒` → `90s`. `None` when the text is not such a duration.
pub fn suggest_duration(s: &str) -> Option<String> {
    let t = half_width(s.trim());
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = t.split_at(split);
    if number.is_empty() {
        return None;
    }
    let letter = match unit.trim() {
        "s" | "秒" | "sec" | "秒間" => 's',
        "m" | "分" | "min" | "分間" => 'm',
        "h" | "時間" | "hr" | "hour" => 'h',
        "d" | "日" | "日間" | "day" => 'd',
        _ => return None,
    };
    let fixed = format!("{number}{letter}");
    (fixed != s).then_some(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_ascii_durations() {
        assert_eq!(parse_duration("90s"), Some(90));
        assert_eq!(parse_duration("3m"), Some(180));
        assert_eq!(parse_duration("2d"), Some(172_800));
        for bad in [
            "", "m", "1", "1日", "3分", "1ｍ", "１m", "-1m", "+1m", "1 m", "1mm",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert_eq!(parse_duration("99999999999999999999m"), None);
    }

    #[test]
    fn suggests_what_input_methods_typed() {
        assert_eq!(suggest_duration("15分").as_deref(), Some("15m"));
        assert_eq!(suggest_duration("１時間").as_deref(), Some("1h"));
        assert_eq!(suggest_duration("３０ｓ").as_deref(), Some("30s"));
        assert_eq!(suggest_duration("1日").as_deref(), Some("1d"));
        assert_eq!(suggest_duration("1ｍ").as_deref(), Some("1m"));
        assert_eq!(suggest_duration("3m"), None);
        assert_eq!(suggest_duration("保留"), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,6}") {
            let _ = parse_duration(&s);
            let _ = suggest_duration(&s);
        }
    }
}
