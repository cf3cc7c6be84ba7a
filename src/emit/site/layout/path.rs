//! The route of an edge: pieces of path from a start point, and points sampled along them.

/// One piece of an edge's path, ending at a point; it starts where the piece before it ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Seg {
    /// A straight line to the point.
    Line(f64, f64),
    /// A cubic Bézier curve with vertical tangents to the point.
    Curve(f64, f64),
    /// A loop out to the right of a box and back: towards (cx, cy), ending at (x, y).
    Loop(f64, f64, f64, f64),
}

impl Seg {
    /// Where the piece ends.
    pub fn end(self) -> (f64, f64) {
        match self {
            Seg::Line(x, y) | Seg::Curve(x, y) | Seg::Loop(_, _, x, y) => (x, y),
        }
    }

    /// The two control points of the cubic Bézier curve this piece is when it starts at `at`
    /// (None for a straight line).
    pub fn controls(self, at: (f64, f64)) -> Option<((f64, f64), (f64, f64))> {
        match self {
            Seg::Line(..) => None,
            Seg::Curve(x, y) => {
                let mid = (at.1 + y) / 2.0;
                Some(((at.0, mid), (x, mid)))
            }
            Seg::Loop(cx, cy, ..) => Some(((cx, cy), (cx, cy))),
        }
    }

    /// The same kind of piece ending at another point (a loop keeps its control point).
    fn ending_at(self, (x, y): (f64, f64)) -> Seg {
        match self {
            Seg::Line(..) => Seg::Line(x, y),
            Seg::Curve(..) => Seg::Curve(x, y),
            Seg::Loop(cx, cy, ..) => Seg::Loop(cx, cy, x, y),
        }
    }
}

/// Where an edge runs and where its label sits.
#[derive(Clone, Debug)]
pub struct EdgeGeom {
    /// The point the path starts from (at the edge's source box, or its target for a back edge
    /// once reversed: the path always ends at the arrow's head).
    pub start: (f64, f64),
    /// The pieces of the path, in drawing order.
    pub segs: Vec<Seg>,
    /// The box of the edge's label: on the edge, or beside the box for a self loop.
    pub label: super::Rect,
    /// Drawn against the flow of ranks (a branch back to an earlier step).
    pub back: bool,
    /// From a box back to itself (a repetition), drawn as a loop on the box's right.
    pub self_loop: bool,
}

impl EdgeGeom {
    /// Points along the path (curves sampled), for drawing checks.
    pub fn sample(&self, per_curve: usize) -> Vec<(f64, f64)> {
        let mut out = vec![self.start];
        let mut at = self.start;
        for s in &self.segs {
            let (x, y) = s.end();
            for i in 1..=per_curve {
                let t = i as f64 / per_curve as f64;
                out.push(match s.controls(at) {
                    None => (at.0 + (x - at.0) * t, at.1 + (y - at.1) * t),
                    Some((p1, p2)) => bezier(at, p1, p2, (x, y), t),
                });
            }
            at = (x, y);
        }
        out
    }

    /// The same path walked the other way (so a back edge's arrow points at its target).
    pub(super) fn reversed(&self) -> EdgeGeom {
        let mut pts = vec![self.start];
        pts.extend(self.segs.iter().map(|s| s.end()));
        let segs = self
            .segs
            .iter()
            .zip(&pts)
            .rev()
            .map(|(s, &from)| s.ending_at(from))
            .collect();
        EdgeGeom {
            start: pts[pts.len() - 1],
            segs,
            label: self.label,
            back: self.back,
            self_loop: self.self_loop,
        }
    }
}

fn bezier(p0: (f64, f64), p1: (f64, f64), p2: (f64, f64), p3: (f64, f64), t: f64) -> (f64, f64) {
    let u = 1.0 - t;
    let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
    (
        a * p0.0 + b * p1.0 + c * p2.0 + d * p3.0,
        a * p0.1 + b * p1.1 + c * p2.1 + d * p3.1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reversed_path_visits_the_same_points_backwards() {
        let g = EdgeGeom {
            start: (0.0, 0.0),
            segs: vec![
                Seg::Line(0.0, 10.0),
                Seg::Curve(20.0, 30.0),
                Seg::Loop(40.0, 35.0, 20.0, 40.0),
            ],
            label: super::super::Rect {
                x: 0.0,
                y: 0.0,
                w: 1.0,
                h: 1.0,
            },
            back: true,
            self_loop: false,
        };
        let r = g.reversed();
        assert_eq!(r.start, (20.0, 40.0));
        assert_eq!(
            r.segs,
            vec![
                Seg::Loop(40.0, 35.0, 20.0, 30.0),
                Seg::Curve(0.0, 10.0),
                Seg::Line(0.0, 0.0)
            ]
        );
        let mut there = g.sample(1);
        there.reverse();
        let back = r.sample(1);
        assert_eq!(there, back);
    }
}
