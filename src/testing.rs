//! `mamoru test`: the case studies as tests, with coverage of grid cells, flow steps and
//! branches, reported like `cargo test`, as JSON, or as JUnit XML for CI dashboards.

use crate::compile::cases::{Judgement, coverage, explain, failure_text};
use crate::policy::Policy;
use serde::Serialize;
use std::fmt::Write;

/// One case run as a test.
#[derive(Clone, Debug, Serialize)]
pub struct CaseResult {
    /// The case's id.
    pub id: String,
    /// The policy gave what the case expects.
    pub passed: bool,
    /// Why it failed: one line per difference.
    pub failures: Vec<String>,
    /// The verdict the policy gives (its id).
    pub verdict: String,
    /// The effective grid cell, `c2×d1`.
    pub cell: String,
    /// The flow the contact follows, if any admits it.
    pub flow: Option<String>,
    /// The route taken, as step ids.
    pub route: Vec<String>,
    /// The types that moved the verdict, and the cell.
    pub explanation: String,
}

pub use crate::compile::cases::{Coverage, Measure};

/// `mamoru test`'s report: every case's result and the coverage of the policy.
#[derive(Clone, Debug, Serialize)]
pub struct TestReport {
    /// The policy's id.
    pub policy: String,
    /// The policy's version.
    pub version: String,
    /// The cases, in case order.
    pub cases: Vec<CaseResult>,
    /// How many cases passed.
    pub passed: usize,
    /// How many cases failed.
    pub failed: usize,
    /// Grid cells, flow steps and branches the cases exercise.
    pub coverage: Coverage,
    /// Errors of the policy besides its cases (`error[CODE] file:line:col: message`): the
    /// results cannot be trusted while there are any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// The report of a policy's judged cases (see [`crate::compile::cases::judge`]), in the
/// process language.
pub fn report(p: &Policy, judged: &[Judgement]) -> TestReport {
    let lang = crate::i18n::lang();
    let cases: Vec<CaseResult> = p
        .cases
        .iter()
        .zip(judged)
        .map(|(case, j)| {
            let a = &j.run.assessment;
            let flow = j.run.flow();
            CaseResult {
                id: case.id.clone(),
                passed: j.failures.is_empty(),
                failures: j
                    .failures
                    .iter()
                    .map(|f| failure_text(p, f).render(lang))
                    .collect(),
                verdict: p.verdicts[a.verdict].id.clone(),
                cell: p.cell_name(a.conduct, a.demand),
                flow: flow.map(|f| p.flows[f].id.clone()),
                route: match (flow, &j.run.route) {
                    (Some(f), Some(r)) => r
                        .steps
                        .iter()
                        .map(|&s| p.flows[f].steps[s].id.clone())
                        .collect(),
                    _ => Vec::new(),
                },
                explanation: explain(p, a).render(lang),
            }
        })
        .collect();
    let failed = cases.iter().filter(|c| !c.passed).count();
    TestReport {
        policy: p.manifest.id.clone(),
        version: p.manifest.version.clone(),
        passed: cases.len() - failed,
        failed,
        cases,
        errors: Vec::new(),
        coverage: coverage(p, judged),
    }
}

impl TestReport {
    /// The lowest of the three coverage percentages.
    pub fn min_coverage(&self) -> f64 {
        let c = &self.coverage;
        c.cells
            .percent()
            .min(c.steps.percent())
            .min(c.branches.percent())
    }

    /// Like `cargo test`.
    pub fn human(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "\nrunning {} tests", self.cases.len());
        for c in &self.cases {
            let _ = writeln!(
                s,
                "test {} ... {}",
                c.id,
                if c.passed { "ok" } else { "FAILED" }
            );
        }
        if self.failed > 0 {
            let _ = writeln!(s, "\nfailures:\n");
            for c in self.cases.iter().filter(|c| !c.passed) {
                let _ = writeln!(s, "---- {} ----", c.id);
                for f in &c.failures {
                    let _ = writeln!(s, "  {f}");
                }
                let _ = writeln!(s, "  because: {}", c.explanation);
                if let Some(f) = &c.flow {
                    let _ = writeln!(s, "  route taken in `{f}`: {}", c.route.join(" → "));
                }
                let _ = writeln!(s);
            }
        }
        let cov = &self.coverage;
        let line = |name: &str, m: &Measure| {
            let mut l = format!(
                "  {name:<9} {:>4}/{:<4} {:>5.1}%",
                m.covered,
                m.total,
                m.percent()
            );
            if !m.missing.is_empty() {
                let shown: Vec<&str> = m.missing.iter().take(6).map(String::as_str).collect();
                let more = m.missing.len().saturating_sub(6);
                l += &format!(
                    "  missing: {}{}",
                    shown.join(", "),
                    if more > 0 {
                        format!(" (+{more})")
                    } else {
                        String::new()
                    }
                );
            }
            l
        };
        let _ = writeln!(
            s,
            "\ncoverage:\n{}\n{}\n{}",
            line("cells", &cov.cells),
            line("steps", &cov.steps),
            line("branches", &cov.branches)
        );
        let _ = writeln!(
            s,
            "\ntest result: {}. {} passed; {} failed",
            if self.failed == 0 { "ok" } else { "FAILED" },
            self.passed,
            self.failed
        );
        s
    }

    /// As pretty-printed JSON (`--format json`), with a final newline.
    pub fn json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("serialisable");
        s.push('\n');
        s
    }

    /// JUnit XML: one test suite, one test case per case study.
    pub fn junit(&self) -> String {
        let esc = |t: &str| {
            t.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        };
        let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            s,
            "<testsuites name=\"mamoru\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
            self.cases.len() + usize::from(!self.errors.is_empty()),
            self.failed,
            usize::from(!self.errors.is_empty())
        );
        let _ = writeln!(
            s,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\">",
            esc(&format!("{} {}", self.policy, self.version)),
            self.cases.len() + usize::from(!self.errors.is_empty()),
            self.failed,
            usize::from(!self.errors.is_empty())
        );
        let cov = &self.coverage;
        let _ = writeln!(s, "    <properties>");
        for (name, m) in [
            ("cells", &cov.cells),
            ("steps", &cov.steps),
            ("branches", &cov.branches),
        ] {
            let _ = writeln!(
                s,
                "      <property name=\"coverage.{name}\" value=\"{:.1}\"/>",
                m.percent()
            );
        }
        let _ = writeln!(s, "    </properties>");
        if !self.errors.is_empty() {
            let _ = writeln!(
                s,
                "    <testcase classname=\"{}.policy\" name=\"check\">",
                esc(&self.policy)
            );
            for e in &self.errors {
                let _ = writeln!(s, "      <error message=\"{}\">{}</error>", esc(e), esc(e));
            }
            let _ = writeln!(s, "    </testcase>");
        }
        for c in &self.cases {
            let _ = write!(
                s,
                "    <testcase classname=\"{}.cases\" name=\"{}\"",
                esc(&self.policy),
                esc(&c.id)
            );
            if c.passed {
                let _ = writeln!(s, "/>");
            } else {
                let _ = writeln!(s, ">");
                let _ = writeln!(
                    s,
                    "      <failure message=\"{}\">{}&#10;because: {}</failure>",
                    esc(&c.failures.join("; ")),
                    esc(&c.failures.join("\n")),
                    esc(&c.explanation)
                );
                let _ = writeln!(s, "    </testcase>");
            }
        }
        let _ = writeln!(s, "  </testsuite>\n</testsuites>");
        s
    }
}
