//! Fuzz targets: everything that parses input, driven with arbitrary bytes. Each target must
//! return without panicking, hanging or exhausting memory, whatever the bytes.
//!
//! The same functions run in two harnesses: `tests/fuzz.rs` (every `cargo test`: the seed corpus
//! plus random mutations for a bounded time) and `fuzz/` (cargo-fuzz with libFuzzer, coverage
//! guided, for long runs). The seed corpus is the example policy and the review exports of
//! `tests/fixtures/review` (`seeds`).

use crate::ops::{self, Input};

/// A small complete policy (the test fixture `mini`): fast enough to check thousands of times.
static MINI: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/tests/fixtures/mini");

/// The kinds of policy files a target can replace, chosen by the first input byte.
const FILES: &[&str] = &[
    "policy.yaml",
    "criteria.yaml",
    "vocabulary.yaml",
    "roles.yaml",
    "scripts.yaml",
    "aftercare.yaml",
    "invariants.yaml",
    "stance.md",
    "flows/phone.yaml",
    "cases/a.md",
    "definitions/kasuhara.md",
    "pages/about.md",
];

fn mini() -> Vec<(String, Vec<u8>)> {
    crate::load::embedded_files(&MINI)
}

/// One file of a small policy replaced by the input (its first byte picks which), then the
/// whole check: load, validate, compile and every analysis.
pub fn policy_file(data: &[u8]) {
    let Some((&which, content)) = data.split_first() else {
        return;
    };
    let path = FILES[which as usize % FILES.len()];
    let mut files: Vec<(String, Vec<u8>)> = mini().into_iter().filter(|(p, _)| p != path).collect();
    files.push((path.to_string(), content.to_vec()));
    let input = Input::Memory {
        name: "fuzz".into(),
        files,
    };
    if let Ok(checked) = ops::check(&input) {
        let _ = crate::report::json(
            &checked.sources,
            &checked.diagnostics,
            crate::i18n::Lang::Ja,
        );
    }
}

/// A case file (Markdown with front matter) added to a small policy.
pub fn case_file(data: &[u8]) {
    let mut files = mini();
    files.push(("cases/fuzz.md".into(), data.to_vec()));
    let _ = ops::check(&Input::Memory {
        name: "fuzz".into(),
        files,
    });
}

/// Lines given to `classify` with the example's bundle (the streaming fast path and the
/// serde path both).
pub fn classify_lines(data: &[u8]) {
    let (_, engine) = example();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let _ = crate::bundle::stream::classify(engine, data, &mut out, &mut err);
}

/// A `bundle.json` read, turned into an engine, and used on a few contacts.
pub fn bundle_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(bundle) = crate::bundle::Bundle::from_json(text) else {
        return;
    };
    let Ok(engine) = bundle.engine() else {
        return;
    };
    let lines = [
        r#"{"channel":"phone","conduct":"c0","demand":"d0"}"#,
        r#"{"channel":"phone","conduct":"c3","demand":"d2","minutes":600,"repeats":9}"#,
        r#"{"channel":"chat","conduct":"c1","demand":"d1","events":[]}"#,
    ];
    let mut out = Vec::new();
    let mut err = Vec::new();
    let _ =
        crate::bundle::stream::classify(&engine, lines.join("\n").as_bytes(), &mut out, &mut err);
}

/// The example's bundle, its engine and its review row checks, made once.
fn example() -> &'static (crate::bundle::Bundle, crate::bundle::Engine) {
    use std::sync::OnceLock;
    static EXAMPLE: OnceLock<(crate::bundle::Bundle, crate::bundle::Engine)> = OnceLock::new();
    EXAMPLE.get_or_init(|| {
        let checked = ops::check(&Input::Builtin).expect("the example checks");
        let p = checked.policy.expect("the example compiles");
        let bundle = crate::emit::bundle::build(&p, None);
        let engine = bundle.engine().expect("the example's bundle loads");
        (bundle, engine)
    })
}

#[cfg(feature = "review")]
/// The extensions a review export can have, picked by the first input byte's low bits.
const EXPORT_EXTENSIONS: [&str; 4] = ["csv", "tsv", "jsonl", ""];

/// An export given to `mamoru review` with the example's bundle: encoding and format detected
/// (or an encoding forced), the rows read and checked, judged, counted, and the report laid
/// out. The first byte picks the extension (bits 0–1) and the `--encoding` (bits 2–3: none,
/// UTF-8, Shift_JIS, UTF-16LE).
#[cfg(feature = "review")]
pub fn review_export(data: &[u8]) {
    use std::sync::OnceLock;
    static READER: OnceLock<crate::review::rows::Reader> = OnceLock::new();
    let Some((&which, content)) = data.split_first() else {
        return;
    };
    let (bundle, engine) = example();
    let reader = READER.get_or_init(|| {
        crate::review::rows::Reader::new(bundle).expect("the example's time zone is known")
    });
    let ext = EXPORT_EXTENSIONS[usize::from(which & 3)];
    let forced = match (which >> 2) & 3 {
        0 => None,
        1 => Some(encoding_rs::UTF_8),
        2 => Some(encoding_rs::SHIFT_JIS),
        _ => Some(encoding_rs::UTF_16LE),
    };
    let _ = crate::review::review_in_memory(bundle, engine, reader, ext, content.to_vec(), forced);
}

/// The review exports of `tests/fixtures/review` (UTF-8 with a BOM, JSON Lines, Shift_JIS),
/// each with the byte that picks its extension.
#[cfg(feature = "review")]
fn review_seeds() -> Vec<Vec<u8>> {
    let teleservice: &[u8] = include_bytes!("../tests/fixtures/review/sample-teleservice.csv");
    let contact: &[u8] = include_bytes!("../tests/fixtures/review/example-contact.jsonl");
    let bpo: &[u8] = include_bytes!("../tests/fixtures/review/mock-bpo.csv");
    // The same CSV in UTF-16LE with a BOM, as a spreadsheet's "Unicode text" export.
    let text = String::from_utf8_lossy(teleservice);
    let utf16: Vec<u8> = b"\xff\xfe"
        .iter()
        .copied()
        .chain(
            text.trim_start_matches('\u{feff}')
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let seed = |ext: &str, bytes: &[u8]| {
        let which = EXPORT_EXTENSIONS
            .iter()
            .position(|e| *e == ext)
            .unwrap_or(0) as u8;
        let mut seed = vec![which];
        seed.extend_from_slice(bytes);
        seed
    };
    vec![
        seed("csv", teleservice),
        seed("jsonl", contact),
        seed("csv", bpo),
        seed("", utf16.as_slice()),
        seed("", contact),
        seed("tsv", text.replace(',', "\t").as_bytes()),
        // Regression: a hold whose seconds overflow a u64 (`parse_seconds` panicked).
        seed(
            "csv",
            b"id,vendor,channel,conduct,demand,field_verdict,hold_seconds\nR-1,mock-bpo,phone,c0,d0,gray,18446744073709551615:00:00\n",
        ),
    ]
}

/// The seed corpus of a target: the policies' files (with their index byte), case files,
/// contact lines and the example's bundle.
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    let files = mini();
    match target {
        "policy_file" => FILES
            .iter()
            .enumerate()
            .filter_map(|(i, name)| {
                let (_, bytes) = files.iter().find(|(p, _)| p == name)?;
                let mut seed = vec![i as u8];
                seed.extend_from_slice(bytes);
                Some(seed)
            })
            .collect(),
        "case_file" => files
            .into_iter()
            .chain(ops::builtin_files())
            .filter(|(p, _)| p.starts_with("cases/"))
            .map(|(_, b)| b)
            .collect(),
        "classify_lines" => vec![
            br#"{"id":"A-1","channel":"phone","conduct":"c1","demand":"d0","minutes":75}"#.to_vec(),
            br#"{"channel":"phone","conduct":"c2","demand":"d1","tags":["legal"],"events":["customer-continues"]}"#
                .to_vec(),
            b"{\"channel\":\"chat\",\"conduct\":\"c0\",\"demand\":\"d2\"}\n\n{\"id\":7}\n".to_vec(),
        ],
        #[cfg(feature = "review")]
        "review_export" => review_seeds(),
        "bundle_json" => vec![crate::emit::bundle::render(&example().0).into_bytes()],
        _ => Vec::new(),
    }
}

/// A fuzz target: bytes in, nothing out; it must not panic.
pub type Target = fn(&[u8]);

/// The targets by name.
pub const TARGETS: &[(&str, Target)] = &[
    ("policy_file", policy_file),
    ("case_file", case_file),
    ("classify_lines", classify_lines),
    ("bundle_json", bundle_json),
    #[cfg(feature = "review")]
    ("review_export", review_export),
];
