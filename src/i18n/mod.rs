//! Messages in the reader's language: every diagnostic, hint and command-line message is a
//! [`Msg`] — a catalogue id with arguments — rendered from the Fluent catalogues `en.ftl` and
//! `ja.ftl` (Project Fluent, the format Firefox uses) when it is shown.
//!
//! The language is chosen by `--lang ja|en`, else by the locale (`LC_ALL`, `LC_MESSAGES`,
//! `LANG`: `ja…` gives Japanese), else English. Stages create messages; only reporters render
//! them, so the same diagnostic can be shown in either language.
//!
//! Shared vocabulary: every stage may use this module; it knows nothing else.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

/// A language mamoru speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English (`en.ftl`), the default.
    En,
    /// Japanese (`ja.ftl`).
    Ja,
}

impl Lang {
    /// Both languages, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ja];

    /// `en`, `ja`, `ja_JP.UTF-8`, `en-US` … (the part before `_`, `-` or `.`).
    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "ja" | "jpn" | "japanese" => Some(Lang::Ja),
            "en" | "eng" | "english" | "c" | "posix" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language of the environment's locale: `LC_ALL`, then `LC_MESSAGES`, then `LANG`.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var)
                && !v.is_empty()
            {
                return Lang::parse(&v).unwrap_or(Lang::En);
            }
        }
        Lang::En
    }

    /// The BCP 47 code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }
}

static CURRENT: AtomicU8 = AtomicU8::new(0);

/// Set the language of the process (the command line does this once, at start).
pub fn set_lang(lang: Lang) {
    CURRENT.store(lang as u8, Ordering::Relaxed);
}

/// The language of the process: English unless [`set_lang`] chose another.
pub fn lang() -> Lang {
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::Ja,
        _ => Lang::En,
    }
}

/// An argument of a message.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// Text, shown as it is.
    Text(String),
    /// A whole number (Fluent selects plural forms on it).
    Int(i64),
    /// A decimal number.
    Float(f64),
    /// Another message, rendered in the same language.
    Msg(Box<Msg>),
    /// Names shown in code style as alternatives: "`a`, `b` or `c`" / "`a`、`b`、`c` のいずれか".
    AnyOf(Vec<String>),
    /// Plain items listed: "a, b, c" / "a、b、c".
    List(Vec<String>),
    /// Messages listed: "a; b" / "a、b", or a given message when empty.
    Parts(Vec<Msg>, Box<Msg>),
}

macro_rules! arg_from {
    ($($t:ty => $f:expr),* $(,)?) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Arg {
                $f(v)
            }
        }
    )*};
}

arg_from! {
    String => Arg::Text,
    &str => |s: &str| Arg::Text(s.to_string()),
    &String => |s: &String| Arg::Text(s.clone()),
    std::borrow::Cow<'_, str> => |s: std::borrow::Cow<'_, str>| Arg::Text(s.into_owned()),
    usize => |n: usize| Arg::Int(n as i64),
    u64 => |n: u64| Arg::Int(n as i64),
    u32 => |n: u32| Arg::Int(n as i64),
    i64 => Arg::Int,
    f64 => Arg::Float,
    Msg => |m: Msg| Arg::Msg(Box::new(m)),
}

impl Arg {
    /// Alternatives in code style ("`a`, `b` or `c`").
    pub fn any_of<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Arg {
        Arg::AnyOf(items.into_iter().map(|s| s.as_ref().to_string()).collect())
    }
    /// Plain items listed ("a, b, c").
    pub fn list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Arg {
        Arg::List(items.into_iter().map(|s| s.as_ref().to_string()).collect())
    }

    fn render(&self, lang: Lang) -> FluentValue<'static> {
        match self {
            Arg::Text(s) => FluentValue::from(s.clone()),
            Arg::Int(n) => FluentValue::from(*n),
            Arg::Float(x) => FluentValue::from(*x),
            Arg::Msg(m) => FluentValue::from(m.render(lang)),
            Arg::AnyOf(items) => {
                let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
                FluentValue::from(match (lang, quoted.len()) {
                    (_, 0) => String::new(),
                    (_, 1) => quoted[0].clone(),
                    (Lang::En, n) => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
                    (Lang::Ja, _) => format!("{} のいずれか", quoted.join("、")),
                })
            }
            Arg::List(items) => FluentValue::from(match lang {
                Lang::En => items.join(", "),
                Lang::Ja => items.join("、"),
            }),
            Arg::Parts(parts, empty) => {
                let rendered: Vec<String> = parts.iter().map(|m| m.render(lang)).collect();
                FluentValue::from(match (lang, rendered.is_empty()) {
                    (_, true) => empty.render(lang),
                    (Lang::En, false) => rendered.join("; "),
                    (Lang::Ja, false) => rendered.join("、"),
                })
            }
        }
    }
}

/// A message: a catalogue id and its arguments, rendered when shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Msg {
    id: &'static str,
    args: Vec<(&'static str, Arg)>,
}

impl Msg {
    /// A message without arguments.
    pub fn new(id: &'static str) -> Msg {
        Msg {
            id,
            args: Vec::new(),
        }
    }

    /// The message with one more argument.
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Msg {
        self.args.push((name, value.into()));
        self
    }

    /// The same arguments under another id (a variant of the message).
    pub fn with_id(mut self, id: &'static str) -> Msg {
        self.id = id;
        self
    }

    /// The catalogue id.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The argument of that name.
    pub fn get(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|(n, _)| *n == name).map(|(_, a)| a)
    }

    /// The text in a language (English when the language lacks the message).
    pub fn render(&self, lang: Lang) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in &self.args {
            args.set(*name, value.render(lang));
        }
        let bundle = catalogue(lang);
        let (bundle, message) = match bundle.get_message(self.id) {
            Some(m) => (bundle, m),
            None => match catalogue(Lang::En).get_message(self.id) {
                Some(m) => (catalogue(Lang::En), m),
                None => return format!("{} {:?}", self.id, self.args),
            },
        };
        let Some(pattern) = message.value() else {
            return self.id.to_string();
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, Some(&args), &mut errors)
            .into_owned()
    }
}

/// Text that is the same in every language (an id, a path, a number), or not yet in the
/// catalogue.
impl From<String> for Msg {
    fn from(text: String) -> Msg {
        Msg::new("plain").arg("text", text)
    }
}

impl From<&str> for Msg {
    fn from(text: &str) -> Msg {
        Msg::new("plain").arg("text", text)
    }
}

/// Rendered in the process language ([`lang`]).
impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(lang()))
    }
}

/// A message by id, with named arguments: `msg!("unknown-role", id = "sv")`.
#[macro_export]
macro_rules! msg {
    ($id:literal $(,)?) => {
        $crate::i18n::Msg::new($id)
    };
    ($id:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::Msg::new($id)$(.arg(stringify!($name), $value))+
    };
}

/// The catalogues' sources, by language.
pub const CATALOGUES: [(Lang, &str); 2] = [
    (Lang::En, include_str!("en.ftl")),
    (Lang::Ja, include_str!("ja.ftl")),
];

fn catalogue(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static BUNDLES: OnceLock<[FluentBundle<FluentResource>; 2]> = OnceLock::new();
    let all = BUNDLES.get_or_init(|| {
        CATALOGUES.map(|(lang, source)| {
            let id: unic_langid::LanguageIdentifier =
                lang.code().parse().expect("a valid language code");
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            bundle.set_use_isolating(false);
            let resource =
                FluentResource::try_new(source.to_string()).unwrap_or_else(|(partial, _)| partial);
            let _ = bundle.add_resource(resource);
            bundle
        })
    });
    &all[lang as usize]
}

#[cfg(test)]
mod tests;
