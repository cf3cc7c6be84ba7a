//! `mamoru serve [DIR]`: the manual and the bundle served from memory while the author edits,
//! every change shown in the open browser pages.
//!
//! Three parts, each on its own threads: the watcher (`watch.rs`: native notifications or
//! polling, debounced into batches), the rebuild (`build.rs`: the real pipeline, skipping what
//! did not change; `site.rs` is the seam to the emitters), and the HTTP side (`http.rs`:
//! `tiny_http`, the files from memory, a Server-Sent Events stream per open page, which reloads
//! keeping its scroll position and shows the policy's errors over the last good manual).
//!
//! Architecture invariant: the server writes nothing, anywhere (the policy folder least of
//! all); it serves only the files it rendered, by their site path; it judges nothing itself —
//! errors are `ops::check`'s and pages are `emit`'s.

mod build;
pub mod http;
mod messages;
mod site;
mod state;
pub mod watch;

pub use build::Log;

use crate::load::{LoadOptions, absolute};
use crate::msg;
use crate::ops::Fatal;
pub use messages::Lang;
use state::Shared;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The port tried first when none is given (another is picked when it is taken).
pub const DEFAULT_PORT: u16 = 3737;
/// Threads answering HTTP requests (event streams do not hold one).
const WORKERS: usize = 4;

/// How changes are noticed.
#[derive(Clone, Copy, Debug)]
pub enum Watching {
    /// Native notifications, or polling on file systems that do not deliver them.
    Auto,
    /// Polling at this interval.
    Poll(Duration),
}

/// How `mamoru serve` runs.
pub struct Options {
    /// The policy folder served.
    pub dir: PathBuf,
    /// The address to listen on (loopback unless asked otherwise).
    pub bind: IpAddr,
    /// `None`: [`DEFAULT_PORT`], or any free port when it is taken.
    pub port: Option<u16>,
    /// How changes are noticed.
    pub watching: Watching,
    /// The language of the console and of the error overlay.
    pub lang: Lang,
    /// How the policy folders are read.
    pub load: LoadOptions,
}

impl Options {
    /// Serve `dir` on loopback, default port, watching natively, messages in the environment's
    /// language.
    pub fn new(dir: PathBuf) -> Options {
        Options {
            dir,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: None,
            watching: Watching::Auto,
            lang: crate::i18n::lang(),
            load: LoadOptions::default(),
        }
    }
}

fn bind(opts: &Options, log: &build::Log) -> Result<tiny_http::Server, Fatal> {
    let at = |port| SocketAddr::new(opts.bind, port);
    let fail = |port, e: &dyn std::fmt::Display| {
        Fatal::Usage(msg!(
            "serve-cannot-listen",
            addr = at(port).to_string(),
            error = e.to_string()
        ))
    };
    match opts.port {
        Some(port) => tiny_http::Server::http(at(port)).map_err(|e| fail(port, &e)),
        None => tiny_http::Server::http(at(DEFAULT_PORT)).or_else(|_| {
            log(&msg!("serve-port-taken", port = u64::from(DEFAULT_PORT)).render(opts.lang));
            tiny_http::Server::http(at(0)).map_err(|e| fail(0, &e))
        }),
    }
}

/// Serve until the process is stopped. `log` receives the console lines (the address first,
/// once the first build is done).
pub fn run(opts: Options, log: build::Log) -> Result<(), Fatal> {
    if !opts.dir.is_dir() {
        return Err(Fatal::Usage(msg!(
            "not-a-folder",
            path = opts.dir.display().to_string()
        )));
    }
    let dir = absolute(&opts.dir);
    let lang = opts.lang;
    let server = bind(&opts, &log)?;
    let addr = server.server_addr().to_ip().ok_or_else(|| {
        Fatal::Usage(msg!(
            "serve-cannot-listen",
            addr = opts.bind.to_string(),
            error = "no IP address"
        ))
    })?;
    let shared = Arc::new(Shared::new(lang));

    let mut builder =
        build::Builder::new(dir.clone(), opts.load, lang, shared.clone(), log.clone());
    let first = builder.rebuild();
    let (mut dirs, mut unreadable) = (first.dirs, first.unreadable);

    let (mode, fs) = match opts.watching {
        Watching::Auto => watch::detect(&dir),
        Watching::Poll(every) => (watch::Mode::Poll(every), None),
    };
    let (mut watcher, note) = watch::Watch::start(mode, &dirs)
        .map_err(|e| Fatal::Usage(msg!("serve-native-failed", error = e)))?;
    let failed = note.map(|n| msg!("serve-native-failed", error = n));
    if let Some(f) = &failed {
        log(&f.render(lang));
    }
    let how = match watcher.mode {
        watch::Mode::Native => msg!(
            "serve-native",
            fs = fs.unwrap_or_else(|| std::env::consts::OS.to_string())
        ),
        watch::Mode::Poll(every) => msg!(
            "serve-polling",
            ms = every.as_millis() as u64,
            why = match (&opts.watching, failed, fs) {
                (Watching::Poll(_), _, _) => msg!("serve-poll-flag"),
                (_, Some(f), _) => f,
                (_, None, fs) => msg!("serve-poll-reason", fs = fs.unwrap_or_default()),
            }
        ),
    };
    log(&msg!("serve-watching", how = how).render(lang));

    let server = Arc::new(server);
    for _ in 0..WORKERS {
        let (server, shared) = (server.clone(), shared.clone());
        std::thread::spawn(move || {
            while let Ok(req) = server.recv() {
                http::handle(req, &shared);
            }
        });
    }
    {
        let shared = shared.clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(15));
                shared.ping();
            }
        });
    }
    log(&msg!(
        "serve-serving",
        url = format!("http://{addr}/"),
        dir = opts.dir.display().to_string()
    )
    .render(lang));

    // While the folder cannot be read (deleted, or renamed away), look for it every second: a
    // folder created again is not the one the system was watching, so it is watched afresh
    // before it is read. It may still be being filled then, and files written into its new
    // sub-folders before the system watches them raise no event: it is read once more a second
    // after it was watched afresh.
    let mut settling = false;
    while watcher
        .next_batch((unreadable || settling).then_some(Duration::from_secs(1)))
        .is_some()
    {
        settling = false;
        if unreadable && dir.is_dir() {
            settling = true;
            if let Err(e) = watcher.rewatch(&dirs) {
                log(&msg!("serve-native-failed", error = e).render(lang));
            }
        }
        let step = builder.rebuild();
        if step.dirs != dirs {
            if let Err(e) = watcher.set_dirs(&step.dirs) {
                log(&msg!("serve-native-failed", error = e).render(lang));
            }
            dirs = step.dirs;
        }
        unreadable = step.unreadable;
    }
    Ok(())
}
