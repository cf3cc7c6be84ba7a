//! The search index: a static, sharded index of the manual's sections that the browser loads
//! with `<script>` tags, so search works from any web server and straight from disk (`file://`),
//! with no request leaving the manual.
//!
//! Japanese has no spaces, so text is cut into overlapping character pairs (bigrams) for kana and
//! kanji and into words for Latin letters and digits; the query is cut the same way by
//! `site/search.js`, so index and query can never be segmented differently (the failure of
//! Pagefind's issue 1237). A query term needs the pairs of its *core* (its runs of kanji, katakana,
//! letters and digits); pairs that run into trailing hiragana (okurigana, particles) only add to
//! the score, so 「怒鳴られた」 finds 「怒鳴り声」. Synonyms from `vocabulary.yaml` expand a query
//! term to the manual's own word. Postings are split into shards by a hash of the token, and
//! section texts into chunks, so a query loads a few small files whatever the size of the manual
//! (the failure of Pagefind's issue 1211).
//!
//! ARCHITECTURE.md records the measurements that chose this over Pagefind.

use rayon::prelude::*;
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

/// A token's postings: (section, weight).
type Postings = Vec<(u32, u32)>;

/// One searchable section: a step, a type, a definition, a case, a heading of a page.
#[derive(Clone, Debug, Default)]
pub struct Doc {
    /// Relative URL with the section's anchor (`flows/phone.html#step-warn`).
    pub url: String,
    /// The section's own title.
    pub title: String,
    /// The page it is on.
    pub page: String,
    /// The section's text as shown (for excerpts and scoring).
    pub text: String,
    /// Words the section is about but may not show: aliases, labels, branches into it.
    pub keys: String,
    /// For a step: the verdicts and types of the contacts the decision aid sends to it, so a
    /// search for what happened finds what to do.
    pub handles: String,
}

/// Kind of a character for tokenising: kanji, kana and word characters make tokens.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    Kanji,
    Hiragana,
    Katakana,
    Word,
    Other,
}

fn class(c: char) -> Class {
    match c {
        '\u{3041}'..='\u{309F}' => Class::Hiragana,
        '\u{30FB}' => Class::Other, // ・ (katakana middle dot) separates words
        '\u{30A0}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}' => Class::Katakana,
        '\u{3005}'
        | '\u{3006}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}' => Class::Kanji,
        c if c.is_alphanumeric() => Class::Word,
        _ => Class::Other,
    }
}

/// NFKC and lower case, as the browser does with `normalize("NFKC").toLowerCase()`.
pub fn normalize(s: &str) -> String {
    s.nfkc().collect::<String>().to_lowercase()
}

/// A token of a text: its string and whether it belongs to the core of its term.
#[derive(Debug, PartialEq, Eq)]
pub struct Token {
    /// A word, a pair of kana/kanji, or a lone kanji (normalised).
    pub text: String,
    /// Part of its term's core (no trailing hiragana): a query needs it to match.
    pub core: bool,
}

/// Cut normalised text into tokens: words of Latin letters and digits; bigrams of kana and
/// kanji runs (a single kanji alone is a token too). A bigram is core when neither character is
/// hiragana, or when the run has no other kind of character.
pub fn tokens(norm: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let chars: Vec<(char, Class)> = norm.chars().map(|c| (c, class(c))).collect();
    let mut i = 0;
    while i < chars.len() {
        let k = chars[i].1;
        if k == Class::Other {
            i += 1;
            continue;
        }
        let start = i;
        if k == Class::Word {
            while i < chars.len() && chars[i].1 == Class::Word {
                i += 1;
            }
            out.push(Token {
                text: chars[start..i].iter().map(|x| x.0).collect(),
                core: true,
            });
            continue;
        }
        while i < chars.len() && !matches!(chars[i].1, Class::Word | Class::Other) {
            i += 1;
        }
        let run = &chars[start..i];
        let all_hiragana = run.iter().all(|x| x.1 == Class::Hiragana);
        if run.len() == 1 {
            if run[0].1 == Class::Kanji {
                out.push(Token {
                    text: run[0].0.to_string(),
                    core: true,
                });
            }
            continue;
        }
        for (k, w) in run.windows(2).enumerate() {
            let core = all_hiragana || (w[0].1 != Class::Hiragana && w[1].1 != Class::Hiragana);
            out.push(Token {
                text: [w[0].0, w[1].0].iter().collect(),
                core,
            });
            // A lone kanji between kana (殴られた, 脅す) is a token of its own.
            let lone = |i: usize| {
                run[i].1 == Class::Kanji
                    && (i == 0 || run[i - 1].1 == Class::Hiragana)
                    && run.get(i + 1).is_none_or(|x| x.1 == Class::Hiragana)
            };
            if lone(k) {
                out.push(Token {
                    text: w[0].0.to_string(),
                    core: true,
                });
            }
            if k + 2 == run.len() && lone(k + 1) {
                out.push(Token {
                    text: w[1].0.to_string(),
                    core: true,
                });
            }
        }
    }
    out
}

/// Relative weight of a token found in a section's title, its text, or its keys.
const TITLE: f32 = 4.0;
const TEXT: f32 = 1.0;
const KEYS: f32 = 1.5;
const HANDLES: f32 = 3.0;
/// BM25 parameters.
const K1: f32 = 1.2;
const B: f32 = 0.5;
/// Aim for shards and chunks of about this many bytes.
const SHARD_BYTES: usize = 48 * 1024;
const CHUNK_BYTES: usize = 64 * 1024;
/// Sections weighed at a time.
const BLOCK: usize = 4096;

/// 32-bit FNV-1a of a token's UTF-8 bytes; `site/search.js` computes the same.
pub fn hash(token: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in token.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// A section's fields with their weights.
fn fields(d: &Doc) -> [(&str, f32); 4] {
    [
        (&d.title, TITLE),
        (&d.text, TEXT),
        (&d.keys, KEYS),
        (&d.handles, HANDLES),
    ]
}

/// A section's length in tokens, all fields together (BM25's document length).
fn length(d: &Doc) -> f32 {
    fields(d)
        .iter()
        .map(|(text, _)| tokens(&normalize(text)).len() as f32)
        .sum()
}

/// The term frequencies of one section, weighted by field, sorted by token.
fn weigh(d: &Doc) -> Vec<(String, f32)> {
    let mut tf: HashMap<String, f32> = HashMap::new();
    for (text, w) in fields(d) {
        for t in tokens(&normalize(text)) {
            *tf.entry(t.text).or_insert(0.0) += w;
        }
    }
    let mut v: Vec<(String, f32)> = tf.into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// JSON text of a string (quotes and escapes), safe inside a `<script>` file.
fn js_string(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_else(|_| "\"\"".into())
        .replace("</", "<\\/")
}

/// The index files under `search/`: `t<N>.js` (postings by token hash), `d<N>.js` (section
/// texts), and last `index.js` (sizes and synonyms), each handed to `emit` as soon as it is
/// written. Deterministic: the same sections give the same bytes.
pub(super) fn index_each<E>(
    docs: &[Doc],
    synonyms: &[(String, Vec<String>)],
    emit: &mut dyn FnMut(String, Vec<u8>) -> Result<(), E>,
) -> Result<(), E> {
    let shards = write_shards(postings(docs), emit)?;
    let starts = write_texts(docs, emit)?;
    emit(
        "search/index.js".into(),
        meta(docs, shards, &starts, synonyms).into_bytes(),
    )
}

/// Every token's postings: the sections it occurs in, with its BM25 weight there (×100).
/// Lengths first (for BM25's average), then weights a block of sections at a time, so the term
/// lists of all sections are never held at once.
fn postings(docs: &[Doc]) -> HashMap<String, Postings> {
    let lens: Vec<f32> = docs.par_iter().map(length).collect();
    let avg = (lens.iter().sum::<f32>() / lens.len().max(1) as f32).max(1.0);
    let mut postings: HashMap<String, Postings> = HashMap::new();
    for (block, chunk) in docs.chunks(BLOCK).enumerate() {
        let weighed: Vec<Vec<(String, f32)>> = chunk.par_iter().map(weigh).collect();
        for (k, tf) in weighed.into_iter().enumerate() {
            let id = block * BLOCK + k;
            let norm = 1.0 - B + B * lens[id] / avg;
            for (tok, f) in tf {
                let bm = f * (K1 + 1.0) / (f + K1 * norm);
                let w = (bm * 100.0).round().clamp(1.0, 1e6) as u32;
                postings.entry(tok).or_default().push((id as u32, w));
            }
        }
    }
    postings
}

/// The postings in shards of about [`SHARD_BYTES`] by token hash (`t<N>.js`, tokens sorted,
/// section numbers as differences); returns how many shards there are.
fn write_shards<E>(
    postings: HashMap<String, Postings>,
    emit: &mut dyn FnMut(String, Vec<u8>) -> Result<(), E>,
) -> Result<usize, E> {
    let total: usize = postings.values().map(|p| p.len() * 8 + 16).sum();
    let shards = (total / SHARD_BYTES).clamp(1, 1 << 14);
    let mut by_shard: Vec<Vec<(&str, &Postings)>> = vec![Vec::new(); shards];
    for (tok, list) in &postings {
        by_shard[hash(tok) as usize % shards].push((tok.as_str(), list));
    }
    for (n, mut toks) in by_shard.into_iter().enumerate() {
        toks.sort_by(|a, b| a.0.cmp(b.0));
        let mut s = format!("mamoruSearch.shard({n},{{");
        for (i, (tok, list)) in toks.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&js_string(tok));
            s.push_str(":[");
            let mut last = 0;
            for (j, (doc, w)) in list.iter().enumerate() {
                if j > 0 {
                    s.push(',');
                }
                s.push_str(&format!("{},{w}", doc - last));
                last = *doc;
            }
            s.push(']');
        }
        s.push_str("});\n");
        emit(format!("search/t{n}.js"), s.into_bytes())?;
    }
    Ok(shards)
}

/// Section texts (url, title, page, text) in chunks of about [`CHUNK_BYTES`] (`d<N>.js`);
/// returns each chunk's first section.
fn write_texts<E>(
    docs: &[Doc],
    emit: &mut dyn FnMut(String, Vec<u8>) -> Result<(), E>,
) -> Result<Vec<usize>, E> {
    let mut starts = Vec::new();
    let mut chunk = String::new();
    let mut first = 0usize;
    let mut flush = |starts: &mut Vec<usize>, first: usize, chunk: &str| {
        let n = starts.len();
        starts.push(first);
        emit(
            format!("search/d{n}.js"),
            format!("mamoruSearch.docs({n},{first},[{chunk}]);\n").into_bytes(),
        )
    };
    for (id, d) in docs.iter().enumerate() {
        if chunk.len() > CHUNK_BYTES {
            flush(&mut starts, first, &chunk)?;
            chunk.clear();
            first = id;
        }
        if !chunk.is_empty() {
            chunk.push(',');
        }
        chunk.push_str(&format!(
            "[{},{},{},{}]",
            js_string(&d.url),
            js_string(&d.title),
            js_string(&d.page),
            js_string(&d.text)
        ));
    }
    if !docs.is_empty() {
        flush(&mut starts, first, &chunk)?;
    }
    Ok(starts)
}

/// `index.js`: how many sections and shards, each section's page (as a small number, for
/// results from many pages), each text chunk's first section, and the synonyms.
fn meta(
    docs: &[Doc],
    shards: usize,
    starts: &[usize],
    synonyms: &[(String, Vec<String>)],
) -> String {
    let list = |items: Vec<String>| items.join(",");
    let syn: Vec<String> = synonyms
        .iter()
        .map(|(term, words)| {
            format!(
                "[{},[{}]]",
                js_string(term),
                list(words.iter().map(|w| js_string(w)).collect())
            )
        })
        .collect();
    let mut page_ids: HashMap<&str, usize> = HashMap::new();
    let pages: Vec<String> = docs
        .iter()
        .map(|d| {
            let file = d.url.split('#').next().unwrap_or("");
            let n = page_ids.len();
            page_ids.entry(file).or_insert(n).to_string()
        })
        .collect();
    format!(
        "mamoruSearch.meta({{\"docs\":{},\"shards\":{shards},\"pages\":[{}],\"chunks\":[{}],\"synonyms\":[{}]}});\n",
        docs.len(),
        list(pages),
        list(starts.iter().map(|s| s.to_string()).collect()),
        list(syn)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<(String, bool)> {
        tokens(&normalize(s))
            .into_iter()
            .map(|t| (t.text, t.core))
            .collect()
    }

    #[test]
    fn japanese_is_cut_into_pairs_with_okurigana_optional() {
        assert_eq!(
            toks("殴られた"),
            vec![
                ("殴ら".into(), false),
                ("殴".into(), true),
                ("られ".into(), false),
                ("れた".into(), false)
            ]
        );
        assert_eq!(
            toks("怒鳴られた"),
            vec![
                ("怒鳴".into(), true),
                ("鳴ら".into(), false),
                ("られ".into(), false),
                ("れた".into(), false)
            ]
        );
        assert_eq!(toks("どなる")[0], ("どな".into(), true));
        assert_eq!(toks("金"), vec![("金".into(), true)]);
        assert_eq!(toks("SV・ＳＶ 110番"), {
            vec![
                ("sv".into(), true),
                ("sv".into(), true),
                ("110".into(), true),
                ("番".into(), true),
            ]
        });
    }

    #[test]
    fn the_hash_is_fnv1a() {
        assert_eq!(hash(""), 0x811c_9dc5);
        assert_eq!(hash("a"), 0xe40c_292c);
    }
}
