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
    pub file: FileId,
    pub at: At,
}

impl Origin {
    pub fn new(file: FileId, at: At) -> Self {
        Origin { file, at }
    }
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

macro_rules! codes {
    ($($name:ident = $code:literal, $sev:ident, $slug:literal;)*) => {
        /// Stable diagnostic codes. `E` codes are errors, `W` codes warnings (lints).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($name,)* }
        impl Code {
            pub const ALL: &[Code] = &[$(Code::$name,)*];
            pub fn as_str(self) -> &'static str { match self { $(Code::$name => $code,)* } }
            pub fn slug(self) -> &'static str { match self { $(Code::$name => $slug,)* } }
            pub fn severity(self) -> Severity { match self { $(Code::$name => Severity::$sev,)* } }
        }
    };
}

codes! {
    Io = "E001", Error, "io";
    InvalidUtf8 = "E002", Error, "invalid-utf8";
    EmptyFile = "E003", Error, "empty-file";
    FileTooLarge = "E004", Error, "file-too-large";
    YamlSyntax = "E005", Error, "yaml-syntax";
    YamlBudget = "E006", Error, "yaml-budget";
    UnknownFile = "E007", Error, "unknown-file";
    MissingFile = "E008", Error, "missing-file";
    FrontMatter = "E009", Error, "front-matter";
    DuplicateKey = "E010", Error, "duplicate-key";
    YamlUnsupported = "E011", Error, "yaml-unsupported";
    LinkOutside = "E012", Error, "link-outside";
    LinkLoop = "E013", Error, "link-loop";
    BrokenLink = "E014", Error, "broken-link";
    FullWidthSymbol = "E015", Error, "full-width-symbol";
    FullWidthSpace = "E016", Error, "full-width-space";
    MissingSpace = "E017", Error, "missing-space";
    FullWidthDigits = "E018", Error, "full-width-digits";
    JapaneseUnit = "E019", Error, "japanese-unit";
    UnknownKey = "E100", Error, "unknown-key";
    MissingKey = "E101", Error, "missing-key";
    WrongType = "E102", Error, "wrong-type";
    InvalidValue = "E103", Error, "invalid-value";
    DuplicateId = "E200", Error, "duplicate-id";
    UnknownReference = "E201", Error, "unknown-reference";
    Undeclared = "E202", Error, "undeclared-vocabulary";
    QuantityKind = "E203", Error, "quantity-kind";
    IdMismatch = "E204", Error, "id-mismatch";
    GridShape = "E210", Error, "grid-shape";
    GridIndependentRow = "E211", Error, "independent-row";
    CapForbidden = "E212", Error, "cap-forbidden";
    CapNoEffect = "E213", Error, "cap-no-effect";
    CapCondition = "E214", Error, "cap-condition";
    FlowsOverlap = "E220", Error, "flows-overlap";
    StepUnreachable = "E221", Error, "step-unreachable";
    RouteUnending = "E222", Error, "route-unending";
    BranchNeverTaken = "E223", Error, "branch-never-taken";
    NoBranchHolds = "E224", Error, "no-branch-holds";
    StepExceedsInvariant = "E225", Error, "step-exceeds-invariant";
    FlowStructure = "E226", Error, "flow-structure";
    InvariantViolated = "E230", Error, "invariant-violated";
    CaseVerdict = "E240", Error, "case-verdict";
    CaseFlow = "E241", Error, "case-flow";
    CaseRoute = "E242", Error, "case-route";
    LinkTarget = "E250", Error, "link-target";
    ReviewMapping = "E260", Error, "review-mapping";
    ExtendsMissing = "E300", Error, "upstream-missing";
    ExtendsCycle = "E301", Error, "upstream-cycle";
    ExtendsVersion = "E302", Error, "upstream-version";
    ExtendsDepth = "E303", Error, "upstream-depth";
    UpstreamErrors = "E304", Error, "upstream-errors";
    UpstreamSignature = "E305", Error, "upstream-signature";
    Locked = "E310", Error, "locked";
    Bound = "E311", Error, "bound";
    MissingRecord = "E312", Error, "missing-record";
    RemoveUnknown = "E313", Error, "remove-unknown";
    VendorLimit = "E314", Error, "vendor-limit";
    FlowGap = "W001", Warning, "flow-gap";
    AnalysisLimit = "W002", Warning, "analysis-limit";
    PersonalData = "W010", Warning, "personal-data";
    TermVariant = "W011", Warning, "term-variant";
    TermUnused = "W012", Warning, "term-unused";
    VagueWording = "W013", Warning, "vague-wording";
    StepUncovered = "W014", Warning, "step-uncovered";
    MeasureUnimplemented = "W016", Warning, "measure-unimplemented";
    CellUncovered = "W015", Warning, "cell-uncovered";
    ReviewDue = "W300", Warning, "review-due";
    Drift = "W301", Warning, "upstream-drift";
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
    pub origin: Origin,
    pub message: Msg,
}

/// One finding about the sources.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: Msg,
    pub origin: Option<Origin>,
    /// A path for diagnostics about files that were never read (missing, unreadable).
    pub path: Option<String>,
    pub hint: Option<Msg>,
    /// Further lines of explanation (a route step by step, expected vs actual).
    pub notes: Vec<Msg>,
    pub related: Vec<Related>,
}

impl Diagnostic {
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
    pub fn at(mut self, origin: Origin) -> Self {
        self.origin = Some(origin);
        self
    }
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
    pub fn hint(mut self, hint: impl Into<Msg>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn maybe_hint(mut self, hint: Option<impl Into<Msg>>) -> Self {
        self.hint = hint.map(Into::into);
        self
    }
    pub fn note(mut self, note: impl Into<Msg>) -> Self {
        self.notes.push(note.into());
        self
    }
    pub fn related(mut self, origin: Origin, message: impl Into<Msg>) -> Self {
        self.related.push(Related {
            origin,
            message: message.into(),
        });
        self
    }
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
