//! JSON text as OPA hashes it. OPA signs `.manifest` and `data.json` by their parsed content:
//! objects with keys sorted, no whitespace, strings and keys encoded as Go's `encoding/json`
//! does without HTML escaping. Writing those files in exactly that form makes the SHA-256 of
//! the bytes equal to the hash OPA computes, so one hash serves both.

use serde_json::Value;

/// Compact JSON with sorted keys and Go's string escaping.
pub fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

fn write(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(x, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(k, out);
                out.push(':');
                if let Some(x) = o.get(k) {
                    write(x, out);
                }
            }
            out.push('}');
        }
    }
}

/// Go's `encoding/json` string encoding with `SetEscapeHTML(false)` (Go 1.22 and later).
fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_compact_and_escaped_like_go() {
        let v: Value = serde_json::json!({
            "b": [1, true, null],
            "a": "x<y>&\"\\\n\t\u{1}\u{2028}日本",
            "A": {}
        });
        assert_eq!(
            canonical(&v),
            r#"{"A":{},"a":"x<y>&\"\\\n\t\u0001\u2028日本","b":[1,true,null]}"#
        );
    }
}
