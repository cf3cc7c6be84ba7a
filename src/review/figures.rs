//! The agreement figures of the weekly review: plain arithmetic over confusion matrices, tested
//! against statsmodels and scikit-learn (`tests/review.rs`).
//!
//! Architecture invariant: knows counts only — no rows, no policy, no files.

/// `confusion[field][policy]`: how many rows the vendor judged `field` where the policy gives
/// `policy`, over the policy's verdicts in their order (least to most severe).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confusion {
    k: usize,
    counts: Vec<u64>,
}

/// The two-sided 95% normal quantile, as `scipy.stats.norm.ppf(0.975)`.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Cohen's kappa with its large-sample 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Kappa {
    /// Cohen's kappa: agreement beyond chance, 1 for perfect agreement, 0 for chance.
    pub kappa: f64,
    /// Standard error (Fleiss, Cohen & Everitt 1969), not under the null hypothesis.
    pub se: f64,
    /// `kappa − 1.96·se`.
    pub low: f64,
    /// `kappa + 1.96·se`.
    pub high: f64,
}

impl Confusion {
    /// An empty matrix over `k` verdicts.
    pub fn new(k: usize) -> Self {
        Confusion {
            k,
            counts: vec![0; k * k],
        }
    }

    /// Count one row (verdicts out of range are not counted).
    pub fn add(&mut self, field: usize, policy: usize) {
        self.add_n(field, policy, 1);
    }

    /// Count `n` rows (verdicts out of range are not counted).
    pub fn add_n(&mut self, field: usize, policy: usize, n: u64) {
        if field < self.k && policy < self.k {
            self.counts[field * self.k + policy] += n;
        }
    }

    /// Add another matrix over the same verdicts (the figures of several vendors together).
    pub fn merge(&mut self, other: &Confusion) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    /// Rows the vendor judged `field` where the policy gives `policy` (0 out of range).
    pub fn get(&self, field: usize, policy: usize) -> u64 {
        if field < self.k && policy < self.k {
            self.counts
                .get(field * self.k + policy)
                .copied()
                .unwrap_or(0)
        } else {
            0
        }
    }

    /// Rows counted.
    pub fn n(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Rows where the vendor and the policy agree (the diagonal).
    pub fn agreeing(&self) -> u64 {
        (0..self.k).map(|i| self.get(i, i)).sum()
    }

    /// Share of rows where field and policy agree; `None` over no rows.
    pub fn agreement(&self) -> Option<f64> {
        let n = self.n();
        (n > 0).then(|| self.agreeing() as f64 / n as f64)
    }

    /// Row (field) and column (policy) marginal proportions.
    fn marginals(&self) -> (Vec<f64>, Vec<f64>) {
        let n = self.n() as f64;
        let rows = (0..self.k)
            .map(|i| (0..self.k).map(|j| self.get(i, j)).sum::<u64>() as f64 / n)
            .collect();
        let cols = (0..self.k)
            .map(|j| (0..self.k).map(|i| self.get(i, j)).sum::<u64>() as f64 / n)
            .collect();
        (rows, cols)
    }

    /// Cohen's kappa with the Fleiss–Cohen–Everitt (1969) large-sample standard error and a 95%
    /// interval `kappa ± 1.96·se` (not clipped, as statsmodels gives it). `None` over no rows,
    /// and when chance agreement is 1 (field and policy used one and the same verdict for every
    /// row: kappa is 0/0).
    pub fn kappa(&self) -> Option<Kappa> {
        let n = self.n();
        if n == 0 {
            return None;
        }
        let nf = n as f64;
        let (rows, cols) = self.marginals();
        let p = |i: usize, j: usize| self.get(i, j) as f64 / nf;
        let po: f64 = (0..self.k).map(|i| p(i, i)).sum();
        let pe: f64 = (0..self.k).map(|i| rows[i] * cols[i]).sum();
        if 1.0 - pe <= f64::EPSILON {
            return None;
        }
        let kappa = (po - pe) / (1.0 - pe);
        // Fleiss, Cohen & Everitt (1969), eq. 13; the same terms as statsmodels' cohens_kappa.
        let a: f64 = (0..self.k)
            .map(|i| p(i, i) * (1.0 - (rows[i] + cols[i]) * (1.0 - kappa)).powi(2))
            .sum();
        let mut b = 0.0;
        for (i, col_i) in cols.iter().enumerate() {
            for (j, row_j) in rows.iter().enumerate() {
                if i != j {
                    b += p(i, j) * (col_i + row_j).powi(2);
                }
            }
        }
        let b = (1.0 - kappa).powi(2) * b;
        let c = (kappa - pe * (1.0 - kappa)).powi(2);
        // The variance is exactly 0 for perfect agreement and when one side uses one verdict;
        // rounding leaves a remainder of the order of 1e-16 of the terms there (statsmodels
        // then gives NaN or ~1e-8): that is 0.
        let num = a + b - c;
        let num = if num <= 1e-12 * (a + b + c) { 0.0 } else { num };
        let var = num / (1.0 - pe).powi(2) / nf;
        let se = var.sqrt();
        Some(Kappa {
            kappa,
            se,
            low: kappa - Z95 * se,
            high: kappa + Z95 * se,
        })
    }

    /// Cohen's weighted kappa with quadratic weights `(i − j)²` over the verdict order:
    /// `1 − Σ w·observed / Σ w·expected`. `None` over no rows and when the expected weighted
    /// disagreement is 0 (every row in one verdict on both sides).
    pub fn weighted_kappa(&self) -> Option<f64> {
        let n = self.n();
        if n == 0 {
            return None;
        }
        let nf = n as f64;
        let (rows, cols) = self.marginals();
        let (mut observed, mut expected) = (0.0, 0.0);
        for (i, row_i) in rows.iter().enumerate() {
            for (j, col_j) in cols.iter().enumerate() {
                let w = ((i as f64) - (j as f64)).powi(2);
                observed += w * self.get(i, j) as f64 / nf;
                expected += w * row_i * col_j;
            }
        }
        (expected > f64::EPSILON).then(|| 1.0 - observed / expected)
    }
}

/// Did a vendor's kappa change between two weeks beyond chance? A two-sided z-test on the
/// difference of two independent kappas, each standard error read back from its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Kappa rose beyond chance.
    Improved,
    /// Kappa fell beyond chance.
    Slipped,
    /// The difference is within chance.
    Steady,
}

impl Change {
    /// The change's code in `review.json` (`trend[].change`).
    pub fn code(self) -> &'static str {
        match self {
            Change::Improved => "improved",
            Change::Slipped => "slipped",
            Change::Steady => "steady",
        }
    }
}

/// Compare `now` with `before` (each kappa with its interval).
pub fn change(before: (f64, f64, f64), now: (f64, f64, f64)) -> Change {
    let se = |(_, low, high): (f64, f64, f64)| (high - low) / (2.0 * Z95);
    let spread = (se(before).powi(2) + se(now).powi(2)).sqrt();
    let diff = now.0 - before.0;
    if spread <= f64::EPSILON {
        return match diff {
            d if d > 0.0 => Change::Improved,
            d if d < 0.0 => Change::Slipped,
            _ => Change::Steady,
        };
    }
    match diff / spread {
        z if z >= Z95 => Change::Improved,
        z if z <= -Z95 => Change::Slipped,
        _ => Change::Steady,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&[u64]]) -> Confusion {
        let mut c = Confusion::new(rows.len());
        for (i, r) in rows.iter().enumerate() {
            for (j, n) in r.iter().enumerate() {
                c.add_n(i, j, *n);
            }
        }
        c
    }

    #[test]
    fn perfect_agreement_is_kappa_one_with_a_zero_width_interval() {
        let k = table(&[&[5, 0, 0], &[0, 3, 0], &[0, 0, 2]])
            .kappa()
            .unwrap();
        assert_eq!((k.kappa, k.se, k.low, k.high), (1.0, 0.0, 1.0, 1.0));
    }

    #[test]
    fn degenerate_tables_give_none() {
        assert_eq!(Confusion::new(3).kappa(), None);
        assert_eq!(Confusion::new(3).agreement(), None);
        let one = table(&[&[0, 0, 0], &[0, 7, 0], &[0, 0, 0]]);
        assert_eq!(one.kappa(), None);
        assert_eq!(one.weighted_kappa(), None);
        assert_eq!(one.agreement(), Some(1.0));
    }

    #[test]
    fn a_textbook_table() {
        // Fleiss, Cohen & Everitt's kind of example, checked by hand: po = 0.70, pe = 0.50.
        let c = table(&[&[40, 10], &[20, 30]]);
        let k = c.kappa().unwrap();
        assert!((k.kappa - 0.4).abs() < 1e-12, "{k:?}");
        // With two categories quadratic and unweighted kappa coincide.
        assert!((c.weighted_kappa().unwrap() - 0.4).abs() < 1e-12);
    }
}
