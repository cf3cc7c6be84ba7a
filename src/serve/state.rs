//! What the server serves: the last good manual (a snapshot of files in memory, each with the
//! generation in which it last changed), the policy's errors now, and the open pages listening
//! for changes. A rebuild publishes a new snapshot and tells the pages in one step, under one
//! lock, so a page that subscribes is never between the two.

use super::messages::{self, Lang};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, RwLock};

/// A file of the site.
pub type Bytes = Arc<[u8]>;

/// One policy error as the overlay shows it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ErrorView {
    /// The diagnostic's code (`E012`), or `site` when the manual could not be rendered.
    pub code: String,
    /// The message, in the server's language.
    pub message: String,
    /// `flows/phone.yaml:23:11`.
    #[serde(rename = "where")]
    pub place: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
    /// Further notes (the upstream's errors, the places of duplicates).
    pub notes: Vec<String>,
    /// The line, split around the token the error is about.
    pub snippet: Option<Snippet>,
}

impl ErrorView {
    /// An error with no place in a file: a code and a message.
    pub fn bare(code: &str, message: String) -> ErrorView {
        ErrorView {
            code: code.into(),
            message,
            place: None,
            hint: None,
            notes: Vec::new(),
            snippet: None,
        }
    }
}

/// The source line of an error, split so the overlay can mark the token.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Snippet {
    /// Line number, from 1.
    pub line: u32,
    /// The text before the token.
    pub before: String,
    /// The token the error is about.
    pub token: String,
    /// The text after it.
    pub after: String,
}

/// The manual as served at one moment.
pub struct Snapshot {
    pub generation: u64,
    /// Site path → bytes (HTML pages carry the live script).
    pub files: Arc<HashMap<String, Bytes>>,
    /// Site path → the generation in which the file last changed (or appeared).
    pub changed: Arc<HashMap<String, u64>>,
    /// The policy's errors; empty when the manual shows the sources as they are.
    pub errors: Vec<ErrorView>,
    /// Whether any good build was ever made (else the site is an error page).
    pub built: bool,
    pub lang: Lang,
}

impl Snapshot {
    pub fn empty(lang: Lang) -> Snapshot {
        Snapshot {
            generation: 0,
            files: Arc::default(),
            changed: Arc::default(),
            errors: Vec::new(),
            built: false,
            lang,
        }
    }

    /// Did `page` change (or appear, or go) after generation `seen`?
    pub fn changed_after(&self, page: &str, seen: u64) -> bool {
        match self.changed.get(page) {
            Some(g) => *g > seen,
            // Gone, or never there: reload once something newer than the page exists.
            None => self.generation > seen,
        }
    }

    /// `{"generation", "errors", "labels"}` for the overlay.
    pub fn state_json(&self) -> String {
        #[derive(Serialize)]
        struct State<'a> {
            generation: u64,
            errors: &'a [ErrorView],
            labels: messages::Labels,
        }
        serde_json::to_string(&State {
            generation: self.generation,
            errors: &self.errors,
            labels: messages::labels(self.errors.len(), self.built, self.lang),
        })
        .unwrap_or_else(|_| "{}".into())
    }
}

/// An open page's event stream, and the page.
struct Client {
    page: String,
    stream: Box<dyn Write + Send>,
}

impl Client {
    fn send(&mut self, text: &[u8]) -> bool {
        self.stream
            .write_all(text)
            .and_then(|()| self.stream.flush())
            .is_ok()
    }
}

/// Shared by the HTTP threads and the rebuild thread.
pub struct Shared {
    snapshot: RwLock<Arc<Snapshot>>,
    clients: Mutex<Vec<Client>>,
    pub lang: Lang,
}

impl Shared {
    pub fn new(lang: Lang) -> Shared {
        Shared {
            snapshot: RwLock::new(Arc::new(Snapshot::empty(lang))),
            clients: Mutex::new(Vec::new()),
            lang,
        }
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// A file of the snapshot.
    pub fn file(&self, snap: &Snapshot, path: &str) -> Option<Bytes> {
        if !snap.built {
            return (path == "index.html")
                .then(|| Bytes::from(messages::first_build_failed(snap.lang).into_bytes()));
        }
        snap.files.get(path).cloned()
    }

    fn clients(&self) -> std::sync::MutexGuard<'_, Vec<Client>> {
        match self.clients.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Start the stream of an open page: `first` writes what it must know now, from the
    /// current snapshot; no rebuild can publish in between.
    pub fn subscribe(
        &self,
        page: String,
        stream: Box<dyn Write + Send>,
        first: impl FnOnce(&Snapshot) -> String,
    ) {
        let mut clients = self.clients();
        let text = first(&self.snapshot());
        let mut client = Client { page, stream };
        if client.send(text.as_bytes()) {
            clients.push(client);
        }
    }

    /// Publish a snapshot and send `event` (already formatted) to every open page; pages whose
    /// stream is closed are dropped.
    pub fn publish(&self, snap: Snapshot, event: &str) {
        let mut clients = self.clients();
        match self.snapshot.write() {
            Ok(mut s) => *s = Arc::new(snap),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(snap),
        }
        clients.retain_mut(|c| c.send(event.as_bytes()));
    }

    /// Keep streams open through proxies, and notice closed ones.
    pub fn ping(&self) {
        self.clients().retain_mut(|c| c.send(b": ping\n\n"));
    }

    /// The site paths of the pages open in a browser now.
    pub fn open_pages(&self) -> Vec<String> {
        let mut pages: Vec<String> = self.clients().iter().map(|c| c.page.clone()).collect();
        pages.sort();
        pages.dedup();
        pages
    }
}
