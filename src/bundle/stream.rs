//! `mamoru classify`: JSON Lines of contacts in, one JSON line per contact out, in constant
//! memory. A malformed line is reported with its number and counted, never dropped silently.

use super::Engine;
use super::engine::Extra;
use crate::i18n::Msg;
use crate::policy::Facts;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, BufRead, Write};

/// Counts of a classification run: `read = classified + rejected`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub read: u64,
    pub classified: u64,
    pub rejected: u64,
}

/// A cheap hasher for memo keys (already well mixed small integers and bit sets).
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

type Memo = HashMap<[u64; 6], Vec<u8>, BuildHasherDefault<KeyHasher>>;

/// The slow path: serde_json, then ids looked up in a fixed order (channel, levels, types,
/// tags, events), so the error names the first problem the same way every time.
fn slow<'a>(engine: &Engine, text: &'a [u8]) -> Result<(Option<Cow<'a, str>>, Facts), Msg> {
    let l = serde_json::from_slice::<Line>(text)
        .map_err(|e| crate::msg!("json-line", detail = e.to_string()))?;
    let events = l.events.as_deref().map(strs);
    let counts: Vec<(&str, u64)> = l.counts.iter().map(|(k, v)| (k.as_ref(), *v)).collect();
    let facts = engine
        .facts_of(
            &l.channel,
            &l.conduct,
            &l.demand,
            &strs(&l.conduct_types),
            &strs(&l.demand_types),
            &strs(&l.tags),
            l.minutes,
            l.repeats,
            events.as_deref(),
            &Extra {
                party: l.party.as_deref(),
                targeted: l.targeted,
                counts: &counts,
            },
        )
        .map_err(|e| e.0)?;
    Ok((l.id, facts))
}

/// Classify one line into `buf`, or report it on `err`.
fn one(
    engine: &Engine,
    text: &[u8],
    number: u64,
    stats: &mut Stats,
    buf: &mut Vec<u8>,
    memo: &mut Memo,
    err: &mut impl Write,
) -> io::Result<()> {
    let text = text.trim_ascii();
    if text.is_empty() {
        return Ok(());
    }
    stats.read += 1;
    let facts = match fast::facts(engine, text) {
        Some((id, facts)) => Ok((id.map(Cow::Borrowed), facts)),
        None => slow(engine, text),
    };
    match facts {
        Ok((id, facts)) => {
            buf.extend_from_slice(b"{\"id\":");
            match id {
                Some(id) => serde_json::to_writer(&mut *buf, id.as_ref())?,
                None => buf.extend_from_slice(b"null"),
            }
            match engine.memo_key(&facts) {
                Some(key) => {
                    if memo.len() >= MEMO_CAPACITY && !memo.contains_key(&key) {
                        memo.clear();
                    }
                    let tail = memo.entry(key).or_insert_with(|| {
                        let mut t = Vec::with_capacity(256);
                        engine.write_json_tail(&mut t, &facts);
                        t
                    });
                    buf.extend_from_slice(tail);
                }
                None => engine.write_json_tail(buf, &facts),
            }
            buf.push(b'\n');
            stats.classified += 1;
        }
        Err(reason) => {
            writeln!(
                err,
                "{}",
                crate::msg!("line-reason", line = number, reason = reason)
            )?;
            stats.rejected += 1;
        }
    }
    Ok(())
}

/// Most distinct results kept in memory.
const MEMO_CAPACITY: usize = 1 << 16;

/// A contact line, borrowing from the input where it can (same keys as [`super::Contact`]).
#[derive(Deserialize, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct Line<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    channel: Cow<'a, str>,
    #[serde(borrow)]
    conduct: Cow<'a, str>,
    #[serde(borrow)]
    demand: Cow<'a, str>,
    #[serde(borrow, default)]
    conduct_types: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    demand_types: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    tags: Vec<Cow<'a, str>>,
    #[serde(default)]
    minutes: u64,
    #[serde(default)]
    repeats: u64,
    #[serde(borrow, default)]
    events: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow, default)]
    party: Option<Cow<'a, str>>,
    #[serde(default)]
    targeted: bool,
    #[serde(borrow, default)]
    counts: std::collections::BTreeMap<Cow<'a, str>, u64>,
}

fn strs<'a>(v: &'a [Cow<'a, str>]) -> Vec<&'a str> {
    v.iter().map(|c| c.as_ref()).collect()
}

/// Classify every line of `input`; results go to `out`, rejections (with line numbers) to `err`.
/// Blank lines are skipped and not counted.
pub fn classify(
    engine: &Engine,
    mut input: impl BufRead,
    mut out: impl Write,
    mut err: impl Write,
) -> io::Result<Stats> {
    let mut stats = Stats::default();
    // Flushed at 64 KiB, with room to spare so that the buffer never grows.
    let mut buf = Vec::with_capacity(1 << 17);
    let mut number = 0u64;
    // Results by memo key: contacts that evaluate alike share their JSON. Cleared when full,
    // so memory stays bounded whatever the input size.
    let mut memo: HashMap<[u64; 6], Vec<u8>, BuildHasherDefault<KeyHasher>> = HashMap::default();
    let mut partial = Vec::new();
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            if !partial.is_empty() {
                number += 1;
                let line = std::mem::take(&mut partial);
                one(
                    engine, &line, number, &mut stats, &mut buf, &mut memo, &mut err,
                )?;
            }
            break;
        }
        // Whole lines are classified straight from the reader's buffer; a line cut by the
        // buffer's end is gathered in `partial` first.
        let (used, line_end) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if line_end && partial.is_empty() {
            number += 1;
            one(
                engine,
                &chunk[..used - 1],
                number,
                &mut stats,
                &mut buf,
                &mut memo,
                &mut err,
            )?;
        } else {
            partial.extend_from_slice(&chunk[..used - usize::from(line_end)]);
            if line_end {
                number += 1;
                let line = std::mem::take(&mut partial);
                one(
                    engine, &line, number, &mut stats, &mut buf, &mut memo, &mut err,
                )?;
            }
        }
        input.consume(used);
        if buf.len() >= 1 << 16 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)?;
    out.flush()?;
    Ok(stats)
}

/// A parser for the common shape of contact lines: a flat object of the known keys, with
/// strings without escapes and plain whole numbers. Anything else (escapes, other number forms,
/// duplicate or unknown keys, odd values) returns `None`, and the line goes to `serde_json`,
/// which gives the same result or the error message. So this is only ever a shortcut.
pub(crate) mod fast {
    use crate::bundle::Engine;
    use crate::policy::Facts;

    struct P<'a> {
        /// The whole line, validated as UTF-8 once; strings are slices of it.
        text: &'a str,
        s: &'a [u8],
        i: usize,
    }

    impl<'a> P<'a> {
        fn ws(&mut self) {
            while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
                self.i += 1;
            }
        }
        fn eat(&mut self, c: u8) -> Option<()> {
            self.ws();
            (self.s.get(self.i) == Some(&c)).then(|| self.i += 1)
        }
        fn peek(&mut self) -> Option<u8> {
            self.ws();
            self.s.get(self.i).copied()
        }
        fn string(&mut self) -> Option<&'a str> {
            self.eat(b'"')?;
            let start = self.i;
            let end = start
                + self.s[start..]
                    .iter()
                    .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
            if self.s[end] != b'"' {
                return None;
            }
            self.i = end + 1;
            self.text.get(start..end)
        }
        fn number(&mut self) -> Option<u64> {
            self.ws();
            let start = self.i;
            while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                self.i += 1;
            }
            let digits = &self.s[start..self.i];
            // Leading zeros and over-long numbers are left to serde_json.
            if digits.is_empty() || digits.len() > 18 || (digits.len() > 1 && digits[0] == b'0') {
                return None;
            }
            if matches!(self.s.get(self.i), Some(b'.' | b'e' | b'E')) {
                return None;
            }
            std::str::from_utf8(digits).ok()?.parse().ok()
        }
        fn null(&mut self) -> Option<()> {
            self.ws();
            self.s[self.i..].starts_with(b"null").then(|| self.i += 4)
        }
        fn boolean(&mut self) -> Option<bool> {
            self.ws();
            let rest = &self.s[self.i..];
            if rest.starts_with(b"true") {
                self.i += 4;
                Some(true)
            } else if rest.starts_with(b"false") {
                self.i += 5;
                Some(false)
            } else {
                None
            }
        }
        /// `{"counter": n, …}` into (counter index, n); a counter given twice is left to
        /// serde_json.
        fn counts(&mut self, engine: &Engine, n: usize) -> Option<Vec<u64>> {
            use crate::bundle::engine::Vocab;
            self.eat(b'{')?;
            let mut out = vec![0u64; n];
            let mut seen = vec![false; n];
            if self.peek()? == b'}' {
                self.i += 1;
                return Some(out);
            }
            loop {
                let k = engine.lookup(Vocab::Counter, self.string()?)?;
                self.eat(b':')?;
                let v = self.number()?;
                if std::mem::replace(seen.get_mut(k)?, true) {
                    return None;
                }
                *out.get_mut(k)? = v;
                match self.peek()? {
                    b',' => self.i += 1,
                    b'}' => {
                        self.i += 1;
                        return Some(out);
                    }
                    _ => return None,
                }
            }
        }
        fn ids(
            &mut self,
            engine: &Engine,
            vocab: crate::bundle::engine::Vocab,
        ) -> Option<Vec<usize>> {
            self.eat(b'[')?;
            let mut out = Vec::new();
            if self.peek()? == b']' {
                self.i += 1;
                return Some(out);
            }
            loop {
                out.push(engine.lookup(vocab, self.string()?)?);
                match self.peek()? {
                    b',' => self.i += 1,
                    b']' => {
                        self.i += 1;
                        return Some(out);
                    }
                    _ => return None,
                }
            }
        }
    }

    /// Parse a line straight into facts. `None` for anything the shortcut does not handle,
    /// including unknown ids (the slow path then names the first one, in a fixed order).
    pub(crate) fn facts<'a>(engine: &Engine, bytes: &'a [u8]) -> Option<(Option<&'a str>, Facts)> {
        use crate::bundle::engine::Vocab;
        let text = std::str::from_utf8(bytes).ok()?;
        let mut p = P {
            text,
            s: bytes,
            i: 0,
        };
        let mut f = Facts::default();
        let mut id = None;
        let mut seen = 0u16;
        p.eat(b'{')?;
        if p.peek()? == b'}' {
            return None;
        }
        loop {
            let key = p.string()?;
            p.eat(b':')?;
            let bit = match key {
                "id" => {
                    id = if p.peek()? == b'n' {
                        p.null()?;
                        None
                    } else {
                        Some(p.string()?)
                    };
                    1
                }
                "channel" => {
                    f.channel = engine.lookup(Vocab::Channel, p.string()?)?;
                    2
                }
                "conduct" => {
                    f.conduct = engine.lookup(Vocab::Conduct, p.string()?)?;
                    4
                }
                "demand" => {
                    f.demand = engine.lookup(Vocab::Demand, p.string()?)?;
                    8
                }
                "conduct_types" => {
                    f.conduct_types = p.ids(engine, Vocab::ConductType)?;
                    16
                }
                "demand_types" => {
                    f.demand_types = p.ids(engine, Vocab::DemandType)?;
                    32
                }
                "tags" => {
                    f.tags = p.ids(engine, Vocab::Tag)?;
                    64
                }
                "minutes" => {
                    f.minutes = p.number()?;
                    128
                }
                "repeats" => {
                    f.repeats = p.number()?;
                    256
                }
                "events" => {
                    f.events = if p.peek()? == b'n' {
                        p.null()?;
                        None
                    } else {
                        Some(p.ids(engine, Vocab::Event)?)
                    };
                    512
                }
                "party" => {
                    f.party = if p.peek()? == b'n' {
                        p.null()?;
                        None
                    } else {
                        Some(engine.lookup(Vocab::Party, p.string()?)?)
                    };
                    1024
                }
                "targeted" => {
                    f.targeted = p.boolean()?;
                    2048
                }
                "counts" => {
                    f.counts = p.counts(engine, engine.counters())?;
                    4096
                }
                _ => return None,
            };
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            match p.peek()? {
                b',' => p.i += 1,
                b'}' => {
                    p.i += 1;
                    break;
                }
                _ => return None,
            }
        }
        p.ws();
        if seen & 4096 == 0 {
            f.counts = vec![0; engine.counters()];
        }
        (p.i == bytes.len() && seen & 14 == 14).then_some((id, f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
        let checked = crate::ops::check(&crate::ops::Input::Builtin).unwrap();
        let b = crate::emit::bundle::build(checked.policy.as_ref().unwrap(), None);
        b.engine().unwrap()
    });

    /// An engine for a policy with the facts of format 1.1 (parties, counters).
    static FACTS: LazyLock<Engine> = LazyLock::new(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/facts");
        let checked = crate::ops::check(&crate::ops::Input::Dir(dir)).unwrap();
        let b = crate::emit::bundle::build(checked.policy.as_ref().unwrap(), None);
        b.engine().unwrap()
    });

    proptest! {
        /// The shortcut parser agrees with serde_json + lookups on the keys of format 1.1.
        #[test]
        fn fast_path_agrees_on_parties_targeting_and_counts(
            keys in proptest::collection::vec(0usize..7, 0..7),
            party in "(family|partner|famly|null|\"family\"|3)",
            targeted in "(true|false|null|1|\"true\")",
            counts in "(\\{\\}|\\{\"calls-7d\": ?[0-9]{1,3}\\}|\\{\"calls-7d\":1,\"calls-7d\":2\\}|\\{\"calls-8d\":1\\}|\\{\"calls-7d\":-1\\}|null)",
        ) {
            let mut parts = vec!["\"channel\":\"phone\"".to_string(), "\"conduct\":\"c0\"".into(), "\"demand\":\"d1\"".into()];
            for k in keys {
                parts.push(match k {
                    0 | 1 => format!("\"party\":{}", if party == "family" || party == "partner" || party == "famly" { format!("\"{party}\"") } else { party.clone() }),
                    2 | 3 => format!("\"targeted\":{targeted}"),
                    4 | 5 => format!("\"counts\":{counts}"),
                    _ => "\"minutes\":61".into(),
                });
            }
            let text = format!("{{{}}}", parts.join(","));
            let slow = slow(&FACTS, text.as_bytes());
            match fast::facts(&FACTS, text.as_bytes()) {
                Some((id, facts)) => {
                    let (slow_id, slow_facts) = slow.expect("the slow path accepts what the shortcut accepts");
                    prop_assert_eq!(id, slow_id.as_deref());
                    prop_assert_eq!(facts, slow_facts);
                }
                None => {
                    // Declined lines are the slow path's: it reads them or names the problem.
                    let _ = slow;
                }
            }
        }

        /// The shortcut parser agrees with serde_json + lookups whenever it answers.
        #[test]
        fn fast_path_agrees_with_the_slow_path(
            keys in proptest::collection::vec(0usize..12, 0..9),
            vals in proptest::collection::vec("(phone|email|c0|c2|d1|legal|violence|prolonged|customer-continues|x\\\\y|q\"|ph one|)", 12),
            nums in proptest::collection::vec("(0|[1-9][0-9]{0,3}|-1|1\\.5|01|1e2)", 12),
            space in "[ \t]{0,2}",
        ) {
            let names = ["id", "channel", "conduct", "demand", "conduct_types", "demand_types", "tags", "minutes", "repeats", "events", "id", "extra"];
            let mut parts = Vec::new();
            for (n, &k) in keys.iter().enumerate() {
                let v = match names[k] {
                    "minutes" | "repeats" => nums[n].clone(),
                    "conduct_types" | "demand_types" | "tags" | "events" => format!("[\"{}\",{space}\"{}\"]", vals[n], vals[(n + 1) % 12]),
                    _ if n % 5 == 4 => "null".into(),
                    _ => format!("\"{}\"", vals[n]),
                };
                parts.push(format!("\"{}\"{space}:{space}{v}", names[k]));
            }
            let text = format!("{{{}}}", parts.join(&format!(",{space}")));
            if let Some((id, facts)) = fast::facts(&ENGINE, text.as_bytes()) {
                let (slow_id, slow_facts) = slow(&ENGINE, text.as_bytes()).expect("the slow path accepts what the shortcut accepts");
                prop_assert_eq!(id, slow_id.as_deref());
                prop_assert_eq!(facts, slow_facts);
            }
        }
    }

    #[test]
    fn the_shortcut_reads_the_keys_of_format_1_1() {
        let line = br#"{"id":"x","channel":"phone","conduct":"c0","demand":"d1","party":"family","targeted":true,"counts":{"calls-7d":4}}"#;
        let (id, facts) = fast::facts(&FACTS, line).expect("the common shape takes the shortcut");
        assert_eq!(id, Some("x"));
        assert_eq!(
            (facts.party, facts.targeted, facts.counts.clone()),
            (Some(1), true, vec![4])
        );
        assert_eq!(slow(&FACTS, line).unwrap().1, facts);
        // A counter given twice is left to serde_json, which keeps the last value.
        let twice = br#"{"channel":"phone","conduct":"c0","demand":"d1","counts":{"calls-7d":4,"calls-7d":1}}"#;
        assert!(fast::facts(&FACTS, twice).is_none());
        assert_eq!(slow(&FACTS, twice).unwrap().1.counts, vec![1]);
    }

    #[test]
    fn streaming_output_equals_the_owned_classification() {
        let lines = [
            r#"{"id": "A-1", "channel": "phone", "conduct": "c1", "demand": "d0", "minutes": 75, "events": []}"#,
            r#"{"id": "A-\"2", "channel": "email", "conduct": "c3", "demand": "d2", "tags": ["legal"]}"#,
            r#"{"channel": "chat", "conduct": "c2", "demand": "d1", "conduct_types": ["violence"], "events": ["customer-continues"]}"#,
        ];
        let mut out = Vec::new();
        let stats = classify(&ENGINE, lines.join("\n").as_bytes(), &mut out, Vec::new()).unwrap();
        assert_eq!(
            stats,
            Stats {
                read: 3,
                classified: 3,
                rejected: 0
            }
        );
        for (line, got) in lines.iter().zip(String::from_utf8(out).unwrap().lines()) {
            let c: crate::bundle::Contact = serde_json::from_str(line).unwrap();
            let want = serde_json::to_string(&ENGINE.classify(&c).unwrap()).unwrap();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn malformed_lines_are_counted_with_their_numbers() {
        let input = "{\"channel\": \"phone\", \"conduct\": \"c0\", \"demand\": \"d0\"}\n\nnot json\n{\"channel\": \"fax\", \"conduct\": \"c0\", \"demand\": \"d0\"}\n{\"channel\": \"phone\", \"conduct\": \"c0\"}";
        let mut err = Vec::new();
        let stats = classify(&ENGINE, input.as_bytes(), Vec::new(), &mut err).unwrap();
        assert_eq!(
            stats,
            Stats {
                read: 4,
                classified: 1,
                rejected: 3
            }
        );
        let err = String::from_utf8(err).unwrap();
        assert!(
            err.contains("line 3: not a JSON object of a contact: expected ident"),
            "{err}"
        );
        assert!(err.contains("line 4: unknown channel `fax`"), "{err}");
        assert!(
            err.contains("line 5: not a JSON object of a contact: missing field `demand`"),
            "{err}"
        );
    }
}
