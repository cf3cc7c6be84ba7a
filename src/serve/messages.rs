//! Every text `mamoru serve` shows, in Japanese and English, in one place. The policy's
//! diagnostics themselves are `check`'s.

pub use crate::lsp::messages::Lang;
use serde::Serialize;

/// The overlay's own words.
#[derive(Serialize)]
pub struct Labels {
    pub title: String,
    pub note: String,
    pub close: &'static str,
    pub hint: &'static str,
}

pub fn labels(errors: usize, built: bool, lang: Lang) -> Labels {
    match lang {
        Lang::Ja => Labels {
            title: format!("ポリシーにエラーがあります（{errors} 件）"),
            note: if built {
                "直して保存すると、この表示は消えます。下には最後に正しく生成できたマニュアルを表示しています。".into()
            } else {
                "直して保存すると、マニュアルが表示されます。".into()
            },
            close: "閉じる",
            hint: "ヒント",
        },
        Lang::En => Labels {
            title: format!(
                "The policy has {errors} error{}",
                if errors == 1 { "" } else { "s" }
            ),
            note: if built {
                "Fix and save: this goes away. Underneath is the last manual that built.".into()
            } else {
                "Fix and save: the manual appears.".into()
            },
            close: "Close",
            hint: "hint",
        },
    }
}

fn page(title: &str, body: &str, generation: u64, lang: Lang) -> String {
    let l = match lang {
        Lang::Ja => "ja",
        Lang::En => "en",
    };
    format!(
        "<!doctype html>\n<html lang=\"{l}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{body}</p>\
         <script src=\"/__mamoru/live.js\" data-generation=\"{generation}\"></script></body></html>\n"
    )
}

/// A page that does not exist (yet); it reloads itself when the site changes.
pub fn not_found(path: &str, generation: u64, lang: Lang) -> String {
    let path = path.replace('&', "&amp;").replace('<', "&lt;");
    match lang {
        Lang::Ja => page(
            "ページがありません",
            &format!(
                "<code>{path}</code> はこのマニュアルにありません。作成されると自動で表示します。"
            ),
            generation,
            lang,
        ),
        Lang::En => page(
            "No such page",
            &format!(
                "<code>{path}</code> is not part of this manual. It shows here once it exists."
            ),
            generation,
            lang,
        ),
    }
}

/// The home page while no build has succeeded yet (the overlay lists the errors).
pub fn first_build_failed(lang: Lang) -> String {
    match lang {
        Lang::Ja => page(
            "マニュアルをまだ生成できていません",
            "ポリシーのエラーを直すと、ここにマニュアルが表示されます。",
            0,
            lang,
        ),
        Lang::En => page(
            "The manual has not been built yet",
            "Fix the policy's errors and the manual appears here.",
            0,
            lang,
        ),
    }
}

/// Console lines.
pub fn serving(url: &str, dir: &str, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("{dir} のマニュアルを {url} で公開しています（Ctrl+C で終了）"),
        Lang::En => format!("serving the manual of {dir} at {url} (Ctrl+C to stop)"),
    }
}

pub fn watching(how: &str, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("変更の監視: {how}"),
        Lang::En => format!("watching for changes: {how}"),
    }
}

pub fn native(fs: Option<&str>, lang: Lang) -> String {
    match (lang, fs) {
        (Lang::Ja, Some(fs)) => format!("OS の通知（{fs}）"),
        (Lang::Ja, None) => "OS の通知".into(),
        (Lang::En, Some(fs)) => format!("native notifications ({fs})"),
        (Lang::En, None) => "native notifications".into(),
    }
}

pub fn polling(ms: u128, why: Option<&str>, lang: Lang) -> String {
    match (lang, why) {
        (Lang::Ja, Some(w)) => format!("{ms} ms ごとの確認（{w}）"),
        (Lang::Ja, None) => format!("{ms} ms ごとの確認（--poll）"),
        (Lang::En, Some(w)) => format!("polling every {ms} ms ({w})"),
        (Lang::En, None) => format!("polling every {ms} ms (--poll)"),
    }
}

/// Why polling was chosen.
pub fn poll_reason(fs: &str, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("{fs} では OS の通知が届かないことがあるため"),
        Lang::En => format!("{fs} may not deliver native notifications"),
    }
}

pub fn native_failed(why: &str, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("OS の通知を使えません: {why}"),
        Lang::En => format!("native notifications unavailable: {why}"),
    }
}

pub fn rebuilt(pages: usize, ms: f64, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("更新: {pages} ページ（{ms:.0} ms）"),
        Lang::En => format!("updated {pages} page(s) in {ms:.0} ms"),
    }
}

pub fn unchanged(ms: f64, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("変更なし（{ms:.0} ms）"),
        Lang::En => format!("no change to the manual ({ms:.0} ms)"),
    }
}

pub fn has_errors(n: usize, ms: f64, lang: Lang) -> String {
    match lang {
        Lang::Ja => {
            format!("エラー {n} 件: 最後に生成できたマニュアルを表示しています（{ms:.0} ms）")
        }
        Lang::En => format!("{n} error(s): still serving the last good manual ({ms:.0} ms)"),
    }
}

pub fn cannot_read(why: &str, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("ポリシーを読めません: {why}"),
        Lang::En => format!("cannot read the policy: {why}"),
    }
}

pub fn cannot_render(why: &str, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("マニュアルを生成できません: {why}"),
        Lang::En => format!("cannot render the manual: {why}"),
    }
}

pub fn port_taken(port: u16, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("ポート {port} は使用中のため、空いているポートを使います"),
        Lang::En => format!("port {port} is taken; using a free one"),
    }
}
