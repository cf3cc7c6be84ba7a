//! `mamoru serve` end to end: the binary on a scratch copy of a policy, spoken to over raw HTTP
//! (paths no browser would send, the event stream), then driven by headless Chromium through
//! `tests/e2e/serve.test.mjs` (edits, atomic saves, the error overlay, deleted and renamed
//! files, timed until the page shows the change).
//!
//! The browser part needs Node.js 20+, npm and `/usr/bin/chromium` (CI installs them); a missing
//! browser fails the test.
#![cfg(feature = "serve")]

mod common;
use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(120);

struct Server {
    child: Child,
    port: u16,
    log: mpsc::Receiver<String>,
    /// Lines read while waiting for others.
    seen: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(dir: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mamoru"))
            .arg("serve")
            .arg(dir)
            .args(["--port", "0", "--lang", "en"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mamoru serve");
        let (tx, log) = mpsc::channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut s = Server {
            child,
            port: 0,
            log,
            seen: Vec::new(),
        };
        let line = s.wait_log(|l| l.contains("http://127.0.0.1:"));
        let port = line
            .rsplit("127.0.0.1:")
            .next()
            .and_then(|r| r.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        s.port = port;
        s
    }

    #[track_caller]
    fn wait_log(&mut self, want: impl Fn(&str) -> bool) -> String {
        if let Some(i) = self.seen.iter().position(|l| want(l)) {
            return self.seen.remove(i);
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .log
                .recv_timeout(left)
                .expect("the server logged in time");
            if want(&line) {
                return line;
            }
            self.seen.push(line);
        }
    }

    /// A GET with the path exactly as given (no client normalisation): status and body.
    fn get(&self, path: &str) -> (u16, Vec<u8>) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        let head_end = out
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a response head");
        let head = String::from_utf8_lossy(&out[..head_end]).to_string();
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
        (status, out[head_end + 4..].to_vec())
    }

    /// An open event stream, as a page holds it.
    fn events(&self, page: &str, seen: u64) -> Events {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "GET /__mamoru/events?page={page}&gen={seen} HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )
        .unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(s);
            let mut event = String::new();
            let mut line = String::new();
            while r.read_line(&mut line).is_ok_and(|n| n > 0) {
                let l = line.trim_end().to_string();
                line.clear();
                if let Some(e) = l.strip_prefix("event: ") {
                    event = e.to_string();
                } else if let Some(d) = l.strip_prefix("data: ") {
                    let v: serde_json::Value = serde_json::from_str(d).unwrap();
                    if tx.send((event.clone(), v)).is_err() {
                        break;
                    }
                }
            }
        });
        Events { rx }
    }
}

struct Events {
    rx: mpsc::Receiver<(String, serde_json::Value)>,
}

impl Events {
    #[track_caller]
    fn next(&self, want: impl Fn(&str, &serde_json::Value) -> bool) -> serde_json::Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok((e, v)) = self.rx.recv_timeout(left) else {
                panic!("no such event in time");
            };
            if want(&e, &v) {
                return v;
            }
        }
    }
}

/// An editor's atomic save: a temporary file in the same folder, renamed over the original.
fn atomic_save(path: &Path, text: &str) {
    let tmp = path.with_file_name(".mamoru-test.tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn serves_from_memory_and_refuses_paths_outside_the_site() {
    let dir = copy_of(&fixture("mini"));
    let s = Server::start(dir.path(), &[]);
    let (status, body) = s.get("/");
    assert_eq!(status, 200);
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("<script src=\"/__mamoru/live.js\""), "{html}");
    assert_eq!(s.get("/bundle.json").0, 200);
    assert_eq!(s.get("/__mamoru/live.js").0, 200);
    for bad in [
        "/../policy.yaml",
        "/cases/../../policy.yaml",
        "/%2e%2e/policy.yaml",
        "/..%2fpolicy.yaml",
        "/a/%2E%2E/%2E%2E/etc/passwd",
        "/a%5c..%5c..%5cpolicy.yaml",
        "/index.html%00.png",
    ] {
        assert_eq!(s.get(bad).0, 403, "{bad}");
    }
    assert_eq!(s.get("/%ff%fe").0, 400);
    // The sources are not part of the site, and nothing is read from disk to answer.
    assert_eq!(s.get("/policy.yaml").0, 404);
    assert_eq!(s.get("/flows/phone.yaml").0, 404);
    // The server wrote nothing into the policy folder.
    let mut after = Vec::new();
    walk(dir.path(), &mut after);
    let mut before = Vec::new();
    walk(&fixture("mini"), &mut before);
    let rel = |v: Vec<PathBuf>, root: &Path| -> Vec<PathBuf> {
        v.into_iter()
            .map(|p| p.strip_prefix(root).unwrap().to_path_buf())
            .collect()
    };
    assert_eq!(rel(after, dir.path()), rel(before, &fixture("mini")));
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn the_event_stream_follows_atomic_saves_errors_and_fixes() {
    let dir = copy_of(&fixture("mini"));
    let mut s = Server::start(dir.path(), &[]);
    let ev = s.events("cases%2Fa.html", 1);
    let first = ev.next(|e, _| e == "state");
    assert_eq!(first["errors"], serde_json::json!([]));
    let gen0 = first["generation"].as_u64().unwrap();

    // An atomic save of a case: a reload naming its page.
    let case = dir.path().join("cases/a.md");
    let text = std::fs::read_to_string(&case).unwrap();
    atomic_save(&case, &text.replace("title: 事例 a", "title: 事例 a2"));
    let r = ev.next(|e, _| e == "reload");
    let pages: Vec<&str> = r["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    // First the case's own page and its neighbours in the case list, whose previous/next links
    // name it (the pages listing every case come next).
    assert!(pages.contains(&"cases/a.html"), "{pages:?}");
    assert!(pages.iter().all(|p| p.starts_with("cases/")), "{pages:?}");
    let (_, body) = s.get("/cases/a.html");
    assert!(String::from_utf8_lossy(&body).contains("事例 a2"));
    let whole = ev.next(|e, _| e == "reload");
    let pages = whole["pages"].to_string();
    assert!(
        pages.contains("cases.html") && pages.contains("criteria.html"),
        "{pages}"
    );
    assert!(!pages.contains("cases/a.html"), "{pages}");
    let (_, body) = s.get("/cases.html");
    assert!(String::from_utf8_lossy(&body).contains("事例 a2"));

    // A mistake: the errors, with place and snippet; the last good page is still served.
    let flow = dir.path().join("flows/phone.yaml");
    let good = std::fs::read_to_string(&flow).unwrap();
    atomic_save(&flow, &good.replacen("role: operator", "role: operater", 1));
    let st = ev.next(|e, v| e == "state" && v["errors"].as_array().is_some_and(|a| !a.is_empty()));
    let e = &st["errors"][0];
    assert_eq!(e["code"], "E201");
    assert_eq!(e["message"], "unknown role `operater`");
    assert!(
        e["where"]
            .as_str()
            .unwrap()
            .starts_with("flows/phone.yaml:")
    );
    assert_eq!(e["snippet"]["token"], "operater");
    assert_eq!(s.get("/flows/phone.html").0, 200);
    s.wait_log(|l| l.contains("error"));

    // A page that connects now (after the mistake) learns of it at once.
    let late = s.events("index.html", st["generation"].as_u64().unwrap());
    let st2 = late.next(|e, _| e == "state");
    assert_eq!(st2["errors"][0]["code"], "E201");

    // Fixed: the errors go (the manual is the same as before the mistake: no reload).
    std::fs::write(&flow, &good).unwrap();
    let ok = ev.next(|e, v| e == "state" && v["errors"] == serde_json::json!([]));
    assert!(ok["generation"].as_u64().unwrap() > gen0);

    // A page that loaded before a change it never heard of is told to reload on connect.
    let stale = s.events("cases%2Fa.html", gen0);
    stale.next(|e, _| e == "reload");
}

#[test]
fn a_burst_of_writes_is_one_rebuild() {
    let dir = copy_of(&fixture("mini"));
    let mut s = Server::start(dir.path(), &[]);
    let ev = s.events("index.html", 1);
    ev.next(|e, _| e == "state");
    let cases: Vec<PathBuf> = std::fs::read_dir(dir.path().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for c in &cases {
        let t = std::fs::read_to_string(c).unwrap();
        std::fs::write(c, t.replacen("title: ", "title: 改 ", 1)).unwrap();
    }
    let r = ev.next(|e, _| e == "reload");
    let n = r["pages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p.as_str().unwrap().starts_with("cases/"))
        .count();
    assert_eq!(n, cases.len(), "every case page in one reload: {r}");
    s.wait_log(|l| l.starts_with("updated"));
}

#[test]
fn polling_notices_changes_too() {
    let dir = copy_of(&fixture("mini"));
    let mut s = Server::start(dir.path(), &["--poll", "--poll-interval", "100"]);
    s.wait_log(|l| l.contains("polling every 100 ms"));
    let ev = s.events("cases%2Fa.html", 1);
    ev.next(|e, _| e == "state");
    let case = dir.path().join("cases/a.md");
    let text = std::fs::read_to_string(&case).unwrap();
    std::fs::write(&case, text.replace("title: 事例 a", "title: 事例 a3")).unwrap();
    ev.next(|e, v| e == "reload" && v.to_string().contains("cases/a.html"));
}

#[test]
fn a_fork_follows_its_upstream() {
    let dir = tempfile::tempdir().unwrap();
    let up = dir.path().join("support");
    copy_tree(&fixture("mini"), &up);
    let fork = dir.path().join("dept");
    mamoru::ops::fork(&up, &fork).unwrap();
    let s = Server::start(&fork, &[]);
    let ev = s.events("cases%2Fa.html", 1);
    ev.next(|e, _| e == "state");
    // An edit in the upstream shows in the fork's manual.
    let case = up.join("cases/a.md");
    let text = std::fs::read_to_string(&case).unwrap();
    atomic_save(
        &case,
        &text.replace("title: 事例 a", "title: 事例 a（上位版）"),
    );
    ev.next(|e, v| e == "reload" && v.to_string().contains("cases/a.html"));
    let (_, body) = s.get("/cases/a.html");
    assert!(String::from_utf8_lossy(&body).contains("事例 a（上位版）"));
}

#[test]
fn a_policy_folder_deleted_and_created_again_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p");
    copy_tree(&fixture("mini"), &policy);
    let s = Server::start(&policy, &[]);
    let ev = s.events("cases%2Fa.html", 1);
    ev.next(|e, _| e == "state");
    std::fs::remove_dir_all(&policy).unwrap();
    ev.next(|e, v| e == "state" && v["errors"].as_array().is_some_and(|a| !a.is_empty()));
    // The last good manual is still served.
    assert_eq!(s.get("/cases/a.html").0, 200);
    copy_tree(&fixture("mini"), &policy);
    ev.next(|e, v| e == "state" && v["errors"] == serde_json::json!([]));
    // The new folder is watched: an edit in it shows.
    let case = policy.join("cases/a.md");
    let text = std::fs::read_to_string(&case).unwrap();
    std::fs::write(
        &case,
        text.replace("title: 事例 a", "title: 事例 a（再作成後）"),
    )
    .unwrap();
    ev.next(|e, v| e == "reload" && v.to_string().contains("cases/a.html"));
}

#[test]
fn edits_show_in_headless_chromium() {
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is missing: run `apt-get install -y chromium fonts-noto-cjk` (CI installs it)"
    );
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let e2e = root.join("tests/e2e");
    if !e2e
        .join("node_modules/playwright-core/package.json")
        .exists()
    {
        let ok = Command::new("npm")
            .args(["ci", "--silent", "--no-audit", "--no-fund"])
            .current_dir(&e2e)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "`npm ci` in tests/e2e failed");
    }
    let dir = copy_of(&fixture("mini"));
    let artefacts = root.join("target/e2e-artefacts/serve");
    std::fs::create_dir_all(&artefacts).unwrap();
    let out = Command::new("node")
        .args(["--test", "tests/e2e/serve.test.mjs"])
        .current_dir(&root)
        .env("MAMORU_BIN", env!("CARGO_BIN_EXE_mamoru"))
        .env("MAMORU_POLICY", dir.path())
        .env("MAMORU_ARTEFACTS", &artefacts)
        .output()
        .expect("run node");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(out.status.success(), "the browser test failed:\n{text}");
    let timings = std::fs::read_to_string(artefacts.join("serve-timings.json")).unwrap();
    println!("time from the write until Chromium shows it (ms): {timings}");
}
