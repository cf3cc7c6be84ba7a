//! The fuzz targets (`mamoru::fuzz`) on every `cargo test`: each target runs its seed corpus,
//! then random mutations of the seeds (bit flips, byte changes, insertions of YAML and JSON
//! tokens, of CSV syntax and of full-width characters, truncations, splices) for a bounded time. No coverage
//! guidance here: the `fuzz/` folder runs the same targets under cargo-fuzz (libFuzzer) for long
//! runs. A panic anywhere fails the test and prints the input that caused it.
//!
//! `MAMORU_FUZZ_SECONDS` sets the time per target (default 4); `MAMORU_FUZZ_TARGET=NAME` runs
//! only that target (a longer run of one parser).

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

/// Tokens worth inserting: YAML and JSON syntax, ids of the example, input-method characters.
const TOKENS: &[&[u8]] = &[
    b": ",
    b"- ",
    b"\n  ",
    b"\n",
    b"&a ",
    b"*a",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b"\"",
    b"'",
    b"---\n",
    b"!!str ",
    b"~",
    b"null",
    b"true",
    b"1e999",
    b"-1",
    b"99999999999999999999",
    b"phone",
    b"c3",
    b"d2",
    b"harassment",
    b"otherwise: ",
    b"when: ",
    b"repeat: ",
    b"hold: ",
    b"60m",
    b"{{hold}}",
    "：".as_bytes(),
    "　".as_bytes(),
    "１２５".as_bytes(),
    "分".as_bytes(),
    "、".as_bytes(),
    b"\xff",
    b"\xef\xbb\xbf",
    b"\r\n",
    b"\t",
    // Review exports: CSV quoting and separators, list items, dates, durations, personal
    // data, Shift_JIS and UTF-16 bytes.
    b"\"",
    b"\"\"",
    b",\"",
    b";",
    "；".as_bytes(),
    b"2026-11-30T23:30:00+09:00",
    b"2026/11/3 9:05",
    b"18446744073709551615:00:00",
    b"3:05",
    b"090-1234-5678",
    b"field_verdict",
    b"\x82\xa0",
    b"\xff\xfe",
    b"\x00",
];

/// A small deterministic generator (xorshift), so a failure can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(v.len() + 1);
        match rng.below(7) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            2 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                v.splice(at..at, t.iter().copied());
            }
            3 if !v.is_empty() => {
                let end = (at + rng.below(64)).min(v.len());
                v.drain(at.min(end)..end);
            }
            4 => v.truncate(at),
            5 if !other.is_empty() => {
                let from = rng.below(other.len());
                let len = rng.below(256).min(other.len() - from);
                v.splice(at..at, other[from..from + len].iter().copied());
            }
            _ => {
                // Duplicate a stretch (lines repeated, anchors reused).
                if !v.is_empty() {
                    let from = rng.below(v.len());
                    let len = rng.below(128).min(v.len() - from);
                    let piece = v[from..from + len].to_vec();
                    v.splice(at.min(v.len())..at.min(v.len()), piece);
                }
            }
        }
    }
    v
}

#[test]
fn fuzz_targets_survive_their_corpus_and_mutations() {
    let seconds: u64 = std::env::var("MAMORU_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    let only = std::env::var("MAMORU_FUZZ_TARGET").ok();
    let mut report = Vec::new();
    for (name, target) in mamoru::fuzz::TARGETS {
        if only.as_deref().is_some_and(|o| o != *name) {
            continue;
        }
        let seeds = mamoru::fuzz::seeds(name);
        assert!(!seeds.is_empty(), "{name} has no seeds");
        let mut runs = 0u64;
        let mut run = |input: &[u8]| {
            runs += 1;
            if let Err(e) = std::panic::catch_unwind(AssertUnwindSafe(|| target(input))) {
                let shown = String::from_utf8_lossy(&input[..input.len().min(2000)]);
                panic!("fuzz target {name} panicked ({e:?}) on input:\n{shown}");
            }
        };
        for s in &seeds {
            run(s);
        }
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ name.len() as u64);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(seconds) {
            let a = &seeds[rng.below(seeds.len())];
            let b = &seeds[rng.below(seeds.len())];
            let input = mutate(&mut rng, a, b);
            run(&input);
        }
        report.push(format!("{name}: {runs} inputs"));
    }
    eprintln!("{}", report.join(", "));
}
