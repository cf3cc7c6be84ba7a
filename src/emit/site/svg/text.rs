//! Text in SVG: escaping, numbers written for coordinates, and `<text>` elements written one way
//! for every diagram. (Measuring and breaking Japanese labels into lines is `breaks`.)

use std::fmt::{Display, Write};

/// The text escaped for SVG or HTML text and for a double-quoted attribute value (`&`, `<`, `>`,
/// `"`).
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_esc(&mut out, s);
    out
}

/// [`esc`], written at the end of `out`.
pub(super) fn push_esc(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// A coordinate with one decimal (`12.3`, `-0.5`), written without float formatting (which is
/// slow): diagrams are drawn once per page.
pub(super) fn n(v: f64) -> String {
    let t = (v * 10.0).round() as i64;
    let (sign, t) = if t < 0 { ("-", -t) } else { ("", t) };
    format!("{sign}{}.{}", t / 10, t % 10)
}

/// How a `<text>` element is written: its size and the attributes that follow it, always in the
/// same order (`font-size`, `font-weight`, `text-anchor`, `fill`, `class`).
#[derive(Clone, Copy)]
pub(super) struct Font {
    size: f64,
    bold: bool,
    anchor: Option<&'static str>,
    fill: Option<&'static str>,
    class: Option<&'static str>,
}

impl Font {
    /// Text of `size` pixels, left-aligned, in the page's colour.
    pub const fn new(size: f64) -> Font {
        Font {
            size,
            bold: false,
            anchor: None,
            fill: None,
            class: None,
        }
    }

    /// Bold.
    pub const fn bold(self) -> Font {
        Font { bold: true, ..self }
    }

    /// Aligned on x by `anchor` (`middle`, `end`).
    pub const fn anchor(self, anchor: &'static str) -> Font {
        Font {
            anchor: Some(anchor),
            ..self
        }
    }

    /// In colour `fill`.
    pub const fn fill(self, fill: &'static str) -> Font {
        Font {
            fill: Some(fill),
            ..self
        }
    }

    /// Styled by the page's CSS class `class`.
    pub const fn class(self, class: &'static str) -> Font {
        Font {
            class: Some(class),
            ..self
        }
    }

    /// Writes `text` (escaped) at (x, y): the baseline's start, middle or end by the anchor.
    pub fn write(&self, out: &mut String, x: impl Display, y: impl Display, text: &str) {
        let _ = write!(out, "<text x=\"{x}\" y=\"{y}\" font-size=\"{}\"", self.size);
        if self.bold {
            out.push_str(" font-weight=\"bold\"");
        }
        for (name, value) in [
            ("text-anchor", self.anchor),
            ("fill", self.fill),
            ("class", self.class),
        ] {
            if let Some(v) = value {
                let _ = write!(out, " {name}=\"{v}\"");
            }
        }
        out.push('>');
        push_esc(out, text);
        out.push_str("</text>");
    }
}

/// The opening of an `<svg>` element: its size, and its `<title>` and `<desc>`, which label it
/// for assistive technology (`aria-labelledby` their ids).
pub(super) struct Heading<'a> {
    /// The element's CSS class.
    pub class: &'a str,
    /// Width in pixels (and of the view box).
    pub w: f64,
    /// Height in pixels (and of the view box).
    pub h: f64,
    /// The id of the `<title>`, unique in the page.
    pub title_id: &'a str,
    /// The id of the `<desc>`, unique in the page.
    pub desc_id: &'a str,
    /// The title, unescaped.
    pub title: &'a str,
    /// The description, unescaped.
    pub desc: &'a str,
}

impl Heading<'_> {
    /// Writes the opening tag, the title and the description.
    pub fn write(&self, out: &mut String) {
        let Heading {
            class,
            w,
            h,
            title_id,
            desc_id,
            ..
        } = self;
        let _ = write!(
            out,
            "<svg class=\"{class}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"group\" aria-labelledby=\"{title_id} {desc_id}\"><title id=\"{title_id}\">"
        );
        push_esc(out, self.title);
        let _ = write!(out, "</title><desc id=\"{desc_id}\">");
        push_esc(out, self.desc);
        out.push_str("</desc>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_have_one_decimal() {
        assert_eq!(n(12.34), "12.3");
        assert_eq!(n(-0.46), "-0.5");
        assert_eq!(n(7.0), "7.0");
    }

    #[test]
    fn text_attributes_come_in_one_order() {
        let mut s = String::new();
        Font::new(11.0)
            .class("axis")
            .fill("#1a1a1a")
            .anchor("middle")
            .bold()
            .write(&mut s, 1.5, "2.0", "a<b & \"c\"");
        assert_eq!(
            s,
            "<text x=\"1.5\" y=\"2.0\" font-size=\"11\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#1a1a1a\" class=\"axis\">a&lt;b &amp; &quot;c&quot;</text>"
        );
    }
}
