//! Diagrams drawn server-side as inline SVG: the judgment grid as a heat map with every case as
//! a dot (`grid`), and flows laid out in layers (`flow`, from the geometry of `layout`). No
//! JavaScript, readable Japanese labels, a `<title>` and `<desc>` on each diagram, and a
//! `<title>` on every shape. `text` writes what the two share: escaped text, coordinates and
//! `<text>` elements.

mod flow;
mod grid;
mod text;

pub use flow::{COLUMN, FlowDiagram, flow_diagram};
pub(crate) use grid::{CellPaint, Dot, GridLayer, Mark, grid, heat_grid, ink};
pub(crate) use text::esc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_picks_readable_ink() {
        assert_eq!(ink("#c62828"), "#ffffff");
        assert_eq!(ink("#f9a825"), "#1a1a1a");
        assert_eq!(ink("#2e7d32"), "#ffffff");
    }
}
