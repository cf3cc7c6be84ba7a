//! The two-axis judgment grid (conduct × demand) as a heat map: the manual paints verdicts and
//! plots cases as dots; the weekly review (`review::html`) paints agreement and plots
//! disagreements. The axes, sizes and accessibility are the same for both.

use super::super::breaks::{text_width, wrap};
use super::text::{Font, Heading, esc, push_esc};
use crate::emit::urls;
use crate::policy::{Named, Policy};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Black or white, whichever reads better on a `#rrggbb` background.
pub(crate) fn ink(hex: &str) -> &'static str {
    let c = |i: usize| {
        u8::from_str_radix(hex.get(i..i + 2).unwrap_or("80"), 16).unwrap_or(128) as f64 / 255.0
    };
    let lin = |v: f64| {
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * lin(c(1)) + 0.7152 * lin(c(3)) + 0.0722 * lin(c(5));
    // Contrast with white is (1.05)/(l+0.05), with black (l+0.05)/0.05.
    if 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 {
        "#ffffff"
    } else {
        "#1a1a1a"
    }
}

/// A case plotted on the manual's grid.
pub(crate) struct Dot<'a> {
    /// The case's id (its page's URL is made from it).
    pub id: &'a str,
    /// The case's title, shown as the dot's tooltip.
    pub title: &'a str,
    /// The conduct level of the case's cell.
    pub conduct: usize,
    /// The demand level of the case's cell.
    pub demand: usize,
}

/// Most dots drawn in one cell; the rest are counted.
const DOTS_PER_CELL: usize = 48;
/// How a dot (a mark in a cell, and its swatch in the legend) is drawn.
const DOT: &str = "r=\"5.5\" fill=\"#ffffff\" stroke=\"#1a1a1a\" stroke-width=\"1.5\"";

/// The grid as a heat map of verdicts. `root` prefixes links; `highlight` marks one cell (a
/// case's page); `small` draws a thumbnail without dots, labels or legend.
pub(crate) fn grid(
    p: &Policy,
    dots: &[Dot],
    root: &str,
    highlight: Option<(usize, usize)>,
    small: bool,
) -> String {
    let title = if small {
        "判断基準の位置".to_string()
    } else {
        format!("判断基準: {}×{}", p.conduct.label, p.demand.label)
    };
    let desc = format!(
        "縦軸は{}（下ほど軽く上ほど重い）、横軸は{}（左ほど妥当、右ほど不当）。各マスの色は判定を表す。{}",
        p.conduct.label,
        p.demand.label,
        if small { "" } else { "点は事例。" }
    );
    let verdict_of = |c: usize, d: usize| {
        let v = &p.verdicts[p.grid[c][d]];
        CellPaint {
            fill: v.color.clone(),
            label: v.label.clone(),
            title: format!("{}: {}", p.cell_name(c, d), v.label),
        }
    };
    let layer = GridLayer {
        title,
        desc,
        cell: &verdict_of,
        marks: dots
            .iter()
            .map(|d| Mark {
                conduct: d.conduct,
                demand: d.demand,
                href: format!("{root}{}", urls::case(d.id)),
                title: format!("{}: {}", d.id, d.title),
            })
            .collect(),
        legend: p
            .verdicts
            .iter()
            .map(|v| (v.color.clone(), v.label.clone()))
            .collect(),
        mark_label: "事例",
    };
    Drawing::new(p, &layer, highlight, small).draw()
}

/// How one cell of the grid is painted: its colour, the label written in it, its tooltip.
pub(crate) struct CellPaint {
    /// The background, `#rrggbb` (the label's ink is black or white to contrast with it).
    pub fill: String,
    /// Written in the cell's corner (the verdict, or the agreement).
    pub label: String,
    /// The cell's tooltip and accessible name.
    pub title: String,
}

/// A point plotted in a cell, linked to `href`.
pub(crate) struct Mark {
    /// The conduct level of its cell.
    pub conduct: usize,
    /// The demand level of its cell.
    pub demand: usize,
    /// Where the point links to.
    pub href: String,
    /// The point's tooltip and accessible name.
    pub title: String,
}

/// What the grid shows: the manual shows verdicts and cases, the review agreement and
/// disagreements. The axes, layout and accessibility are the same.
pub(crate) struct GridLayer<'a> {
    /// The drawing's title (its accessible name).
    pub title: String,
    /// The drawing's description: how to read it.
    pub desc: String,
    /// How the cell at (conduct, demand) is painted.
    pub cell: &'a dyn Fn(usize, usize) -> CellPaint,
    /// The points plotted (up to 48 a cell; more are counted).
    pub marks: Vec<Mark>,
    /// (colour, label) swatches under the grid.
    pub legend: Vec<(String, String)>,
    /// What a mark stands for, in the legend.
    pub mark_label: &'a str,
}

/// The grid drawn with another layer (full size).
pub(crate) fn heat_grid(p: &Policy, layer: &GridLayer) -> String {
    Drawing::new(p, layer, None, false).draw()
}

/// One grid being drawn: its sizes (full or thumbnail), what it shows, and the SVG so far.
struct Drawing<'a> {
    p: &'a Policy,
    layer: &'a GridLayer<'a>,
    highlight: Option<(usize, usize)>,
    small: bool,
    /// Cell width and height.
    cw: f64,
    ch: f64,
    /// Room for the conduct labels on the left, the demand labels on the top.
    left: f64,
    top: f64,
    /// Font size of the axes.
    fs: f64,
    /// The marks of each cell.
    by_cell: BTreeMap<(usize, usize), Vec<&'a Mark>>,
    s: String,
}

impl<'a> Drawing<'a> {
    fn new(
        p: &'a Policy,
        layer: &'a GridLayer<'a>,
        highlight: Option<(usize, usize)>,
        small: bool,
    ) -> Drawing<'a> {
        let mut by_cell: BTreeMap<(usize, usize), Vec<&Mark>> = BTreeMap::new();
        for d in &layer.marks {
            by_cell.entry((d.conduct, d.demand)).or_default().push(d);
        }
        let (cw, ch) = if small { (64.0, 40.0) } else { (168.0, 104.0) };
        Drawing {
            p,
            layer,
            highlight,
            small,
            cw,
            ch,
            left: if small { 78.0 } else { 196.0 },
            top: if small { 24.0 } else { 58.0 },
            fs: if small { 10.0 } else { 13.0 },
            by_cell,
            s: String::new(),
        }
    }

    fn draw(mut self) -> String {
        let (nc, nd) = (self.p.conduct.levels.len(), self.p.demand.levels.len());
        let legend_h = if self.small { 0.0 } else { 40.0 };
        let suffix = if self.small { "-small" } else { "" };
        Heading {
            class: &format!("grid{suffix}"),
            w: self.left + self.cw * nd as f64 + 10.0,
            h: self.top + self.ch * nc as f64 + 26.0 + legend_h,
            title_id: &format!("grid-title{suffix}"),
            desc_id: &format!("grid-desc{suffix}"),
            title: &self.layer.title,
            desc: &self.layer.desc,
        }
        .write(&mut self.s);
        self.demand_axis();
        // Severe conduct at the top.
        for (row, c) in (0..nc).rev().enumerate() {
            let y = self.top + self.ch * row as f64;
            self.conduct_label(c, y);
            for d in 0..nd {
                self.cell(c, d, y);
            }
        }
        if !self.small {
            self.legend(self.top + self.ch * nc as f64 + 20.0);
        }
        self.s.push_str("</svg>");
        self.s
    }

    /// A level's name on an axis: its id, and its label unless in a thumbnail.
    fn level_name(&self, l: &Named) -> String {
        if self.small {
            l.id.clone()
        } else {
            format!("{} {}", l.id, l.label)
        }
    }

    /// Demand levels across the top, each on up to two lines ending above the grid.
    fn demand_axis(&mut self) {
        let (fs, top) = (self.fs, self.top);
        let font = Font::new(fs).anchor("middle").class("axis");
        for (d, l) in self.p.demand.levels.iter().enumerate() {
            let x = self.left + self.cw * (d as f64 + 0.5);
            let lines = wrap(&self.level_name(l), self.cw - 8.0, fs);
            let n = lines.len().min(2);
            for (i, line) in lines.iter().take(2).enumerate() {
                let y = top - 8.0 - fs * 1.25 * (n - 1 - i) as f64;
                font.write(&mut self.s, x, y, line);
            }
        }
    }

    /// Conduct level `c`'s name left of its row (top at `y`), up to four lines centred on it.
    fn conduct_label(&mut self, c: usize, y: f64) {
        let Some(l) = self.p.conduct.levels.get(c) else {
            return;
        };
        let fs = self.fs;
        let lines = wrap(&self.level_name(l), self.left - 14.0, fs);
        let lines: Vec<&String> = lines.iter().take(4).collect();
        let y0 = y + self.ch / 2.0 - (lines.len() as f64 - 1.0) * fs * 0.65;
        let font = Font::new(fs).anchor("end").class("axis");
        for (i, line) in lines.iter().enumerate() {
            font.write(
                &mut self.s,
                self.left - 8.0,
                y0 + fs * 1.3 * i as f64 + fs * 0.35,
                line,
            );
        }
    }

    /// The cell (c, d) in the row whose top is `y`: painted, outlined when highlighted, and at
    /// full size labelled with its marks.
    fn cell(&mut self, c: usize, d: usize, y: f64) {
        let (cw, ch) = (self.cw, self.ch);
        let v = (self.layer.cell)(c, d);
        let x = self.left + cw * d as f64;
        let on = self.highlight == Some((c, d));
        let s = &mut self.s;
        s.push_str("<g");
        if !self.small {
            let (cl, dl) = (&self.p.conduct.levels, &self.p.demand.levels);
            if let (Some(cl), Some(dl)) = (cl.get(c), dl.get(d)) {
                let _ = write!(s, " id=\"cell-{}-{}\"", cl.id, dl.id);
            }
        }
        let _ = write!(
            s,
            " class=\"cell{}\"><rect x=\"{x}\" y=\"{y}\" width=\"{cw}\" height=\"{ch}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"2\"><title>{}</title></rect>",
            if on { " on" } else { "" },
            esc(&v.fill),
            esc(&v.title)
        );
        if on {
            let _ = write!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#1a1a1a\" stroke-width=\"4\"/>",
                x + 3.0,
                y + 3.0,
                cw - 6.0,
                ch - 6.0
            );
        }
        if !self.small {
            let ink = ink(&v.fill);
            Font::new(12.0)
                .fill(ink)
                .class("cell-label")
                .write(s, x + 8.0, y + 18.0, &v.label);
            let marks = self.by_cell.get(&(c, d)).map_or(&[][..], |v| v.as_slice());
            for (i, m) in marks.iter().take(DOTS_PER_CELL).enumerate() {
                let (col, r) = ((i % 12) as f64, (i / 12) as f64);
                let (cx, cy) = (x + 14.0 + col * 12.6, y + 36.0 + r * 15.0);
                let _ = write!(
                    s,
                    "<a href=\"{}\" class=\"dot\"><circle cx=\"{cx}\" cy=\"{cy}\" {DOT}><title>{}</title></circle></a>",
                    esc(&m.href),
                    esc(&m.title)
                );
            }
            if marks.len() > DOTS_PER_CELL {
                let more = format!("+{}", marks.len() - DOTS_PER_CELL);
                Font::new(11.0)
                    .fill(ink)
                    .write(s, x + cw - 34.0, y + ch - 8.0, &more);
            }
        }
        s.push_str("</g>");
    }

    /// Under the grid (from `ly`): a swatch for each colour, then what a dot stands for.
    fn legend(&mut self, ly: f64) {
        let font = Font::new(13.0).class("axis");
        let mut lx = self.left;
        for (color, label) in &self.layer.legend {
            let _ = write!(
                self.s,
                "<rect x=\"{lx}\" y=\"{ly}\" width=\"16\" height=\"16\" fill=\""
            );
            push_esc(&mut self.s, color);
            self.s.push_str("\"/>");
            font.write(&mut self.s, lx + 22.0, ly + 13.0, label);
            lx += 44.0 + text_width(label, 13.0);
        }
        let _ = write!(
            self.s,
            "<circle cx=\"{}\" cy=\"{}\" {DOT}/>",
            lx + 8.0,
            ly + 8.0
        );
        font.write(&mut self.s, lx + 20.0, ly + 13.0, self.layer.mark_label);
    }
}
