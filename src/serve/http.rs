//! The HTTP side: the manual and the bundle from memory, the live-reload script, and a
//! Server-Sent Events stream per open page. GET and HEAD only; a path is looked up among the
//! site's own files after percent-decoding, and `.`/`..` segments, backslashes and NUL bytes are
//! refused before any lookup — nothing is ever read from disk to answer a request.

use super::state::{Bytes, Shared};
use std::io::Write;
use std::sync::Arc;
use tiny_http::{Header, Method, Request, Response, StatusCode};

/// The script every HTML page loads (reload, scroll position, error overlay).
pub const LIVE_JS: &str = include_str!("live.js");
/// Where the server's own endpoints live; no page of a manual is under it.
pub const PREFIX: &str = "/__mamoru/";

/// Why a request path is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// `..`, `.`, a backslash or NUL, encoded or not: it would leave the site.
    Outside,
    /// Percent-encoding that is not UTF-8.
    Encoding,
}

/// The site path of a request's path (`/cases/a.html?x` → `cases/a.html`, `/` → `index.html`).
pub fn site_path(url: &str) -> Result<String, Refused> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| Refused::Encoding)?;
    if decoded.contains(['\\', '\0']) {
        return Err(Refused::Outside);
    }
    let mut segments = Vec::new();
    for s in decoded.split('/') {
        match s {
            "" => {}
            "." | ".." => return Err(Refused::Outside),
            s => segments.push(s),
        }
    }
    let mut out = segments.join("/");
    if out.is_empty() || decoded.ends_with('/') {
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str("index.html");
    }
    Ok(out)
}

/// The media type of a site file by its name.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "wasm" => "application/wasm",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("ASCII header")
}

fn respond(req: Request, status: u16, kind: &str, body: Vec<u8>) {
    send(req, status, kind, Bytes::from(body));
}

/// Answer with bytes shared with the snapshot (a page is not copied to be sent).
fn send(req: Request, status: u16, kind: &str, body: Bytes) {
    let len = body.len();
    let response = Response::new(
        StatusCode(status),
        vec![
            header("Content-Type", kind),
            header("Cache-Control", "no-store"),
            header("X-Content-Type-Options", "nosniff"),
        ],
        std::io::Cursor::new(body),
        Some(len),
        None,
    );
    let _ = req.respond(response);
}

/// Answer one request.
pub fn handle(req: Request, shared: &Arc<Shared>) {
    if !matches!(req.method(), Method::Get | Method::Head) {
        respond(
            req,
            405,
            "text/plain; charset=utf-8",
            b"GET or HEAD only\n".to_vec(),
        );
        return;
    }
    let url = req.url().to_string();
    if let Some(rest) = url.strip_prefix(PREFIX) {
        let (what, query) = rest.split_once('?').unwrap_or((rest, ""));
        match what {
            "live.js" => respond(
                req,
                200,
                "text/javascript; charset=utf-8",
                LIVE_JS.as_bytes().to_vec(),
            ),
            "events" => events(req, query, shared),
            "state" => {
                let snap = shared.snapshot();
                respond(
                    req,
                    200,
                    "application/json; charset=utf-8",
                    snap.state_json().into_bytes(),
                )
            }
            _ => respond(
                req,
                404,
                "text/plain; charset=utf-8",
                b"not found\n".to_vec(),
            ),
        }
        return;
    }
    let path = match site_path(&url) {
        Ok(p) => p,
        Err(Refused::Outside) => {
            respond(
                req,
                403,
                "text/plain; charset=utf-8",
                b"outside the site\n".to_vec(),
            );
            return;
        }
        Err(Refused::Encoding) => {
            respond(
                req,
                400,
                "text/plain; charset=utf-8",
                b"bad path\n".to_vec(),
            );
            return;
        }
    };
    let snap = shared.snapshot();
    match shared.file(&snap, &path) {
        Some(bytes) => send(req, 200, content_type(&path), bytes),
        None if path.ends_with(".html") => {
            // A page that does not exist (yet): it reloads itself when it appears.
            respond(
                req,
                404,
                "text/html; charset=utf-8",
                super::messages::not_found(&path, snap.generation, shared.lang).into_bytes(),
            )
        }
        None => respond(
            req,
            404,
            "text/plain; charset=utf-8",
            b"not found\n".to_vec(),
        ),
    }
}

/// `GET /__mamoru/events?page=P&gen=N`: a Server-Sent Events stream. It starts with the current
/// state (errors or none), and with a reload at once when page P changed after generation N, so
/// a page that loaded just before a rebuild is never left stale.
fn events(req: Request, query: &str, shared: &Arc<Shared>) {
    let mut page = String::from("index.html");
    let mut seen = 0u64;
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("page", v)) => {
                if let Ok(p) = site_path(&format!(
                    "/{}",
                    percent_encoding::percent_decode_str(v).decode_utf8_lossy()
                )) {
                    page = p;
                }
            }
            Some(("gen", v)) => seen = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    let mut w = req.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n\
                Cache-Control: no-store\r\nX-Accel-Buffering: no\r\n\r\nretry: 500\n\n";
    if w.write_all(head.as_bytes()).is_err() {
        return;
    }
    shared.subscribe(page.clone(), w, |snap| {
        let mut first = format!("event: state\ndata: {}\n\n", snap.state_json());
        if snap.changed_after(&page, seen) {
            first.push_str(&format!(
                "event: reload\ndata: {{\"generation\":{},\"pages\":\"all\"}}\n\n",
                snap.generation
            ));
        }
        first
    });
}
