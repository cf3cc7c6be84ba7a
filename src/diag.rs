//! One diagnostic type for every stage: a stable code, a severity, a place in the sources, a
//! message and an optional hint. Stages create diagnostics pointing at an [`Origin`] (a file and a
//! JSON pointer or text offset); the source database turns origins into line and column when the
//! report is rendered, so no stage after `load` needs to know about YAML positions.

use crate::i18n::Msg;
use serde::Serialize;
use std::fmt;

/// Index of a file in the source database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// Where in a file a diagnostic points.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum At {
    /// The whole file (line 1, column 1).
    File,
    /// The value at a JSON pointer into the file's YAML (or front matter).
    Value(String),
    /// The key of the member at a JSON pointer (for unknown keys).
    Key(String),
    /// A byte offset inside the string value at a JSON pointer.
    InValue(String, usize),
    /// A byte offset inside the Markdown body of the file.
    Body(usize),
    /// An exact line and column (1-based), known when the file was read.
    Pos(u32, u32),
}

/// A place in the sources, not yet resolved to a line and column.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The file.
    pub file: FileId,
    /// The place in it.
    pub at: At,
}

impl Origin {
    /// A place in a file.
    pub fn new(file: FileId, at: At) -> Self {
        Origin { file, at }
    }
    /// The value at a JSON pointer (`/steps/0/hold`; `""` for the whole document).
    pub fn value(file: FileId, pointer: impl Into<String>) -> Self {
        Origin::new(file, At::Value(pointer.into()))
    }
    /// The same file, another pointer below this one.
    pub fn child(&self, segment: impl fmt::Display) -> Self {
        let base = match &self.at {
            At::Value(p) | At::Key(p) | At::InValue(p, _) => p.as_str(),
            _ => "",
        };
        Origin::value(self.file, format!("{base}/{segment}"))
    }
    /// The key of this member instead of its value.
    pub fn key(&self) -> Self {
        match &self.at {
            At::Value(p) => Origin::new(self.file, At::Key(p.clone())),
            _ => self.clone(),
        }
    }
    /// A byte offset inside this string value.
    pub fn offset(&self, offset: usize) -> Self {
        match &self.at {
            At::Value(p) => Origin::new(self.file, At::InValue(p.clone(), offset)),
            At::Body(b) => Origin::new(self.file, At::Body(b + offset)),
            _ => self.clone(),
        }
    }
}

/// How serious a diagnostic is; fixed by its [`Code`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A lint (`W` code): reported, fails `check` only with `--deny-warnings`.
    Warning,
    /// An `E` code: the policy is not valid; `check` exits with 1.
    Error,
}

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $code:literal, $sev:ident, $slug:literal;)*) => {
        /// Stable diagnostic codes. `E` codes are errors, `W` codes warnings (lints).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($(#[$doc])* $name,)* }
        impl Code {
            /// Every code, errors first.
            pub const ALL: &[Code] = &[$(Code::$name,)*];
            /// The stable code, `E201`.
            pub fn as_str(self) -> &'static str { match self { $(Code::$name => $code,)* } }
            /// The code's name for people and tools, `unknown-reference`.
            pub fn slug(self) -> &'static str { match self { $(Code::$name => $slug,)* } }
            /// Error for `E` codes, warning for `W` codes.
            pub fn severity(self) -> Severity { match self { $(Code::$name => Severity::$sev,)* } }
        }
    };
}

codes! {
    /// A folder or file cannot be read.
    Io = "E001", Error, "io";
    /// A file is not valid UTF-8.
    InvalidUtf8 = "E002", Error, "invalid-utf8";
    /// A file (or front matter) holds nothing.
    EmptyFile = "E003", Error, "empty-file";
    /// A file is over 8 MiB.
    FileTooLarge = "E004", Error, "file-too-large";
    /// YAML that does not parse.
    YamlSyntax = "E005", Error, "yaml-syntax";
    /// Alias expansion or nesting over the budget.
    YamlBudget = "E006", Error, "yaml-budget";
    /// A file or folder mamoru does not know.
    UnknownFile = "E007", Error, "unknown-file";
    /// A required file is absent.
    MissingFile = "E008", Error, "missing-file";
    /// Markdown without `---` front matter, or never closed.
    FrontMatter = "E009", Error, "front-matter";
    /// A key twice in one mapping.
    DuplicateKey = "E010", Error, "duplicate-key";
    /// A second document, a YAML tag, a non-scalar key.
    YamlUnsupported = "E011", Error, "yaml-unsupported";
    /// A symbolic link out of the policy folder.
    LinkOutside = "E012", Error, "link-outside";
    /// A symbolic link back into a folder already read.
    LinkLoop = "E013", Error, "link-loop";
    /// A symbolic link to nothing.
    BrokenLink = "E014", Error, "broken-link";
    /// A full-width colon or separator where YAML needs a half-width one.
    FullWidthSymbol = "E015", Error, "full-width-symbol";
    /// A full-width space in the indentation.
    FullWidthSpace = "E016", Error, "full-width-space";
    /// No space after a key's colon.
    MissingSpace = "E017", Error, "missing-space";
    /// Full-width digits where a number is expected.
    FullWidthDigits = "E018", Error, "full-width-digits";
    /// A duration with a Japanese unit (`3分`).
    JapaneseUnit = "E019", Error, "japanese-unit";
    /// A key the schema does not allow.
    UnknownKey = "E100", Error, "unknown-key";
    /// A required key is absent.
    MissingKey = "E101", Error, "missing-key";
    /// A value of the wrong type.
    WrongType = "E102", Error, "wrong-type";
    /// A value of the right type that is not allowed (pattern, enum, date …).
    InvalidValue = "E103", Error, "invalid-value";
    /// An id used twice within its kind.
    DuplicateId = "E200", Error, "duplicate-id";
    /// An id, step, threshold or placeholder that does not exist.
    UnknownReference = "E201", Error, "unknown-reference";
    /// A channel, tag, party or counter not declared in `vocabulary.yaml`.
    Undeclared = "E202", Error, "undeclared-vocabulary";
    /// A count threshold where a duration is needed, or the reverse.
    QuantityKind = "E203", Error, "quantity-kind";
    /// An item's `id` differs from its file name.
    IdMismatch = "E204", Error, "id-mismatch";
    /// A grid row missing, unknown or of the wrong length.
    GridShape = "E210", Error, "grid-shape";
    /// An `independent_of_demand` type whose grid row is not uniform.
    GridIndependentRow = "E211", Error, "independent-row";
    /// A cap on a type that is unacceptable whatever the demand.
    CapForbidden = "E212", Error, "cap-forbidden";
    /// A cap that can change nothing.
    CapNoEffect = "E213", Error, "cap-no-effect";
    /// A cap's `when` tests a verdict, a level or an event.
    CapCondition = "E214", Error, "cap-condition";
    /// Two flows admit a common contact.
    FlowsOverlap = "E220", Error, "flows-overlap";
    /// A step no route reaches.
    StepUnreachable = "E221", Error, "step-unreachable";
    /// A step with neither `next` nor `end`, or a cycle without `repeat`.
    RouteUnending = "E222", Error, "route-unending";
    /// A branch no contact takes.
    BranchNeverTaken = "E223", Error, "branch-never-taken";
    /// Some contacts reach a step where no branch holds.
    NoBranchHolds = "E224", Error, "no-branch-holds";
    /// A `hold` or `limit` above an invariant's maximum.
    StepExceedsInvariant = "E225", Error, "step-exceeds-invariant";
    /// A malformed step or branch (`end` with `next`, `otherwise` not last …).
    FlowStructure = "E226", Error, "flow-structure";
    /// A route that never reaches a `reach_role` role.
    InvariantViolated = "E230", Error, "invariant-violated";
    /// A case's verdict differs from `expect.verdict`.
    CaseVerdict = "E240", Error, "case-verdict";
    /// No flow admits a case, or another than `expect.flow`.
    CaseFlow = "E241", Error, "case-flow";
    /// A case's route differs from `expect.route` or does not end.
    CaseRoute = "E242", Error, "case-route";
    /// A link or image in the text to something the manual does not have.
    LinkTarget = "E250", Error, "link-target";
    /// An ambiguous `review.yaml` mapping (a header for two columns, a label of another item).
    ReviewMapping = "E260", Error, "review-mapping";
    /// `extends.path` names no policy folder.
    ExtendsMissing = "E300", Error, "upstream-missing";
    /// A policy extends itself through its upstreams.
    ExtendsCycle = "E301", Error, "upstream-cycle";
    /// The upstream's version does not meet `extends.version`.
    ExtendsVersion = "E302", Error, "upstream-version";
    /// More than 8 upstreams in a row.
    ExtendsDepth = "E303", Error, "upstream-depth";
    /// The upstream, checked on its own, has errors.
    UpstreamErrors = "E304", Error, "upstream-errors";
    /// The upstream's signature does not verify (`--verify-with`).
    UpstreamSignature = "E305", Error, "upstream-signature";
    /// A fork changes a part its upstream locked.
    Locked = "E310", Error, "locked";
    /// A fork's step exceeds the upstream's `fork.bounds`.
    Bound = "E311", Error, "bound";
    /// A replaced item has no `override` record.
    MissingRecord = "E312", Error, "missing-record";
    /// `remove` names an id the upstream does not have.
    RemoveUnknown = "E313", Error, "remove-unknown";
    /// A vendor fork changes more than display names and contact points.
    VendorLimit = "E314", Error, "vendor-limit";
    /// A (channel, verdict) that no flow admits.
    FlowGap = "W001", Warning, "flow-gap";
    /// An exhaustive analysis stopped at its limit.
    AnalysisLimit = "W002", Warning, "analysis-limit";
    /// What looks like personal data in a case or script.
    PersonalData = "W010", Warning, "personal-data";
    /// A spelling variant of a defined term.
    TermVariant = "W011", Warning, "term-variant";
    /// A defined term used nowhere else.
    TermUnused = "W012", Warning, "term-unused";
    /// Vague wording (適切に …) in an obligation without a number.
    VagueWording = "W013", Warning, "vague-wording";
    /// A flow step that no case visits.
    StepUncovered = "W014", Warning, "step-uncovered";
    /// A required compliance measure with no item.
    MeasureUnimplemented = "W016", Warning, "measure-unimplemented";
    /// A grid cell that no case falls in.
    CellUncovered = "W015", Warning, "cell-uncovered";
    /// An override or removal past its `review_by`.
    ReviewDue = "W300", Warning, "review-due";
    /// The upstream changed since it was reviewed.
    Drift = "W301", Warning, "upstream-drift";
    /// An override record on an item that replaces nothing.
    RecordWithoutUpstream = "W302", Warning, "record-without-upstream";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A secondary place worth showing with a diagnostic ("the invariant is declared here").
#[derive(Clone, Debug)]
pub struct Related {
    /// The place.
    pub origin: Origin,
    /// What it is, e.g. "the invariant is declared here".
    pub message: Msg,
}

/// One finding about the sources.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// Error or warning (the code's, unless `--deny-warnings` raised it).
    pub severity: Severity,
    /// What is wrong.
    pub message: Msg,
    /// Where, when the problem has a place in a file that was read.
    pub origin: Option<Origin>,
    /// A path for diagnostics about files that were never read (missing, unreadable).
    pub path: Option<String>,
    /// How to fix it ("did you mean `hold`?").
    pub hint: Option<Msg>,
    /// Further lines of explanation (a route step by step, expected vs actual).
    pub notes: Vec<Msg>,
    /// Other places worth showing.
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// A diagnostic with its code's severity and no place yet.
    pub fn new(code: Code, message: impl Into<Msg>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            origin: None,
            path: None,
            hint: None,
            notes: Vec::new(),
            related: Vec::new(),
        }
    }
    /// Point it at a place.
    pub fn at(mut self, origin: Origin) -> Self {
        self.origin = Some(origin);
        self
    }
    /// Name the file it is about, for files that were never read.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
    /// Add how to fix it.
    pub fn hint(mut self, hint: impl Into<Msg>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    /// Set the hint when there is one (else clear it).
    pub fn maybe_hint(mut self, hint: Option<impl Into<Msg>>) -> Self {
        self.hint = hint.map(Into::into);
        self
    }
    /// Add a line of explanation.
    pub fn note(mut self, note: impl Into<Msg>) -> Self {
        self.notes.push(note.into());
        self
    }
    /// Add another place worth showing.
    pub fn related(mut self, origin: Origin, message: impl Into<Msg>) -> Self {
        self.related.push(Related {
            origin,
            message: message.into(),
        });
        self
    }
    /// An error (not a warning)?
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// "did you mean `x`?" for a misspelt name among the known ones.
pub fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<Msg> {
    closest(name, known).map(|k| crate::msg!("did-you-mean", name = k))
}

/// The known name closest to `name`, if it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for k in known {
        let score = strsim::normalized_damerau_levenshtein(name, k);
        let close = score >= 0.6 || strsim::damerau_levenshtein(name, k) <= 2 && k.len() > 2;
        if close && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, k));
        }
    }
    best.map(|(_, k)| k)
}

/// A list of names for a message: "`a`, `b` or `c`".
pub fn one_of<S: AsRef<str>>(names: &[S]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    match quoted.len() {
        0 => "nothing".to_string(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

/// A key escaped as one segment of a JSON pointer (RFC 6901: `~` → `~0`, `/` → `~1`).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
