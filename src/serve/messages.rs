//! The pages and overlay words `mamoru serve` makes itself, from the message catalogue (the
//! policy's diagnostics are `check`'s own messages).

pub use crate::i18n::Lang;
use crate::msg;
use serde::Serialize;

/// The overlay's own words.
#[derive(Serialize)]
pub struct Labels {
    pub title: String,
    pub note: String,
    pub close: String,
    pub hint: String,
}

pub fn labels(errors: usize, built: bool, lang: Lang) -> Labels {
    Labels {
        title: msg!("serve-overlay-title", count = errors).render(lang),
        note: if built {
            msg!("serve-overlay-note")
        } else {
            msg!("serve-overlay-note-first")
        }
        .render(lang),
        close: msg!("serve-overlay-close").render(lang),
        hint: msg!("serve-overlay-hint").render(lang),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A page of the server's own, with the live script (so it reloads when the site changes).
fn page(title: &str, body: &str, generation: u64, lang: Lang) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{body}</p>\
         <script src=\"/__mamoru/live.js\" data-generation=\"{generation}\"></script></body></html>\n",
        lang.code(),
        title = escape(title),
        body = escape(body),
    )
}

/// A page that does not exist (yet); it reloads itself when the site changes.
pub fn not_found(path: &str, generation: u64, lang: Lang) -> String {
    page(
        &msg!("serve-not-found-title").render(lang),
        &msg!("serve-not-found-body", path = path).render(lang),
        generation,
        lang,
    )
}

/// The home page while no build has succeeded yet (the overlay lists the errors).
pub fn first_build_failed(lang: Lang) -> String {
    page(
        &msg!("serve-first-title").render(lang),
        &msg!("serve-first-body").render(lang),
        0,
        lang,
    )
}
