//! Line breaking for diagram labels: Japanese is broken between phrases (文節), never inside a
//! word. Words come from ICU4X's dictionary segmenter (`icu_segmenter`); a phrase is a run of
//! content words with the particles, okurigana and closing punctuation that follow them, so
//! 「判断と回答方針」 breaks as 「判断と｜回答方針」 and never as 「判断と回｜答方針」. A phrase
//! wider than the line is broken between its words, and only a single word wider than the line
//! is broken between characters.

use icu_segmenter::WordSegmenter;
use icu_segmenter::options::WordBreakInvariantOptions;

/// Width of a text in pixels at a font size: full-width characters count as one em.
pub(super) fn text_width(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 0.58 } else { 1.0 })
        .sum::<f64>()
        * size
}

fn is_hiragana(c: char) -> bool {
    ('\u{3041}'..='\u{309F}').contains(&c)
}

/// Characters that never start a line (closing brackets, punctuation, small kana, ー).
fn no_start(c: char) -> bool {
    "、。，．,.)）」』】〕〉》・：:；;！？!?ー～ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々"
        .contains(c)
}

/// Characters that never end a line (opening brackets).
fn no_end(c: char) -> bool {
    "(（「『【〔〈《".contains(c)
}

/// The words of a text, as ICU's dictionary segmenter cuts them.
fn words(s: &str) -> Vec<&str> {
    let seg = WordSegmenter::new_dictionary(WordBreakInvariantOptions::default());
    let cuts: Vec<usize> = seg.segment_str(s).collect();
    cuts.windows(2)
        .filter_map(|w| s.get(w[0]..w[1]))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Phrases: each word joins the one before unless it starts a new phrase (a content word after
/// a function word or punctuation, an opening bracket, or anything after a space).
fn phrases(s: &str) -> Vec<Vec<&str>> {
    let mut out: Vec<Vec<&str>> = Vec::new();
    let mut prev_end: Option<char> = None;
    for w in words(s) {
        let first = w.chars().next().unwrap_or(' ');
        let starts = match prev_end {
            None => true,
            Some(p) if p.is_whitespace() => true,
            Some(p) if no_end(p) => false,
            Some(_) if first.is_whitespace() || no_start(first) || is_hiragana(first) => false,
            Some(p) => {
                // A content word starts a phrase after hiragana, punctuation or a closing
                // bracket; words of one compound (kanji or katakana after kanji or katakana,
                // letters after letters) stay together.
                is_hiragana(p) || !p.is_alphanumeric() || no_end(first)
            }
        };
        match out.last_mut() {
            Some(last) if !starts => last.push(w),
            _ => out.push(vec![w]),
        }
        prev_end = w.chars().last();
    }
    out
}

/// Break a text into lines of at most `width` pixels at phrase boundaries (see the module).
/// Hard line breaks (`\n`) are kept.
pub(super) fn wrap(s: &str, width: f64, size: f64) -> Vec<String> {
    let mut lines = Vec::new();
    for para in s.split('\n') {
        let mut line = String::new();
        for phrase in phrases(para) {
            let text: String = phrase.concat();
            let t = if line.is_empty() {
                text.trim_start().to_string()
            } else {
                text.clone()
            };
            if text_width(&(line.clone() + &t), size) <= width {
                line.push_str(&t);
                continue;
            }
            if !line.trim().is_empty() {
                lines.push(line.trim_end().to_string());
                line = String::new();
            }
            let t = t.trim_start();
            if text_width(t, size) <= width {
                line.push_str(t);
                continue;
            }
            // Too long for a line: between words, then between characters.
            for w in phrase {
                let w = if line.is_empty() { w.trim_start() } else { w };
                let closes = w.chars().next().is_some_and(no_start);
                if closes || text_width(&(line.clone() + w), size) <= width {
                    line.push_str(w);
                    continue;
                }
                if !line.trim().is_empty() {
                    lines.push(line.trim_end().to_string());
                    line = String::new();
                }
                for c in w.trim_start().chars() {
                    if text_width(&format!("{line}{c}"), size) > width
                        && !line.is_empty()
                        && !no_start(c)
                    {
                        lines.push(std::mem::take(&mut line));
                    }
                    line.push(c);
                }
            }
        }
        if !line.trim().is_empty() || lines.is_empty() {
            lines.push(line.trim_end().to_string());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(s: &str) -> Vec<String> {
        phrases(s).into_iter().map(|p| p.concat()).collect()
    }

    #[test]
    fn phrases_end_with_their_particles() {
        assert_eq!(cut("判断と回答方針"), ["判断と", "回答方針"]);
        assert_eq!(
            cut("スーパーバイザーへの相談と判断"),
            ["スーパーバイザーへの", "相談と", "判断"]
        );
        assert_eq!(
            cut("言動の中止のお願い（注意）"),
            ["言動の", "中止のお願い", "（注意）"]
        );
        assert_eq!(
            cut("お客さまサポート部 担当社員"),
            ["お客さま", "サポート部 ", "担当社員"]
        );
    }

    #[test]
    fn lines_break_between_phrases_only() {
        let lines = wrap("判断と回答方針", 5.0 * 13.0, 13.0);
        assert_eq!(lines, ["判断と", "回答方針"]);
        // A word longer than the line is the only thing broken between characters.
        let lines = wrap("カスタマーハラスメント", 6.0 * 10.0, 10.0);
        assert!(
            lines.iter().all(|l| text_width(l, 10.0) <= 60.0),
            "{lines:?}"
        );
        assert_eq!(lines.concat(), "カスタマーハラスメント");
    }
}
