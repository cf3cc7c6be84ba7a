//! `mamoru lsp` driven over standard input and output by a scripted client, as an editor would:
//! initialize, open, edit with a mistake, diagnostics (code, message and range as `check` gives
//! them, columns in UTF-16), fix, diagnostics cleared, hover, definition, references,
//! completion, symbols, shutdown.
#![cfg(feature = "lsp")]

mod common;
use common::*;
use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{Value, json};
use std::io::BufReader;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Answers come in milliseconds; the bound only keeps a loaded CI machine from failing the test.
const WAIT: Duration = Duration::from_secs(120);

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: mpsc::Receiver<Message>,
    next: i32,
    /// Notifications received while waiting for something else.
    notes: Vec<Notification>,
}

fn uri(path: &Path) -> String {
    lsp_types::Url::from_file_path(path).unwrap().to_string()
}

impl Client {
    fn start(root: &Path) -> Client {
        Client::start_in(root, "en")
    }

    fn start_in(root: &Path, locale: &str) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mamoru"))
            .args(["lsp", "--stdio"])
            .current_dir(root)
            .env("LANG", "C")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start mamoru lsp");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            while let Ok(Some(m)) = Message::read(&mut stdout) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        let mut c = Client {
            child,
            stdin,
            rx,
            next: 0,
            notes: Vec::new(),
        };
        let init = c.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "locale": locale,
                "capabilities": {"general": {"positionEncodings": ["utf-16"]}},
            }),
        );
        assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
        c.notify("initialized", json!({}));
        c
    }

    fn send(&mut self, m: Message) {
        m.write(&mut self.stdin).expect("write to the server");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(Notification::new(method.into(), params).into());
    }

    fn recv(&mut self, deadline: Instant) -> Message {
        let left = deadline.saturating_duration_since(Instant::now());
        self.rx
            .recv_timeout(left)
            .expect("the server answered in time")
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = RequestId::from(self.next);
        self.send(Request::new(id.clone(), method.into(), params).into());
        let deadline = Instant::now() + WAIT;
        loop {
            match self.recv(deadline) {
                Message::Response(r) if r.id == id => {
                    return r
                        .response_result
                        .unwrap_or_else(|e| panic!("{method}: {e:?}"));
                }
                Message::Notification(n) => self.notes.push(n),
                _ => {}
            }
        }
    }

    /// The next diagnostics published for `file` that satisfy `want`.
    fn diagnostics(&mut self, file: &Path, want: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let u = uri(file);
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        loop {
            let n = if self.notes.is_empty() {
                match self.recv(deadline) {
                    Message::Notification(n) => n,
                    _ => continue,
                }
            } else {
                self.notes.remove(0)
            };
            if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == u.as_str() {
                let d = n.params["diagnostics"].as_array().cloned().unwrap();
                if want(&d) {
                    return d;
                }
                seen.push(d);
            }
            assert!(
                Instant::now() < deadline,
                "no matching diagnostics for {u}; got {seen:?}"
            );
        }
    }

    fn open(&mut self, file: &Path) {
        let text = std::fs::read_to_string(file).unwrap();
        let lang = if file.extension().is_some_and(|e| e == "md") {
            "markdown"
        } else {
            "yaml"
        };
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(file), "languageId": lang, "version": 1, "text": text}}),
        );
    }

    /// Replace the text between two positions (UTF-16 columns).
    fn change(&mut self, file: &Path, version: i32, range: [(u32, u32); 2], text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri(file), "version": version},
                "contentChanges": [{"range": range_json(range), "text": text}],
            }),
        );
    }

    fn at(&mut self, method: &str, file: &Path, pos: (u32, u32), extra: Value) -> Value {
        let mut params = json!({
            "textDocument": {"uri": uri(file)},
            "position": {"line": pos.0, "character": pos.1},
        });
        if let (Value::Object(p), Value::Object(e)) = (&mut params, extra) {
            p.extend(e);
        }
        self.request(method, params)
    }

    fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "mamoru lsp exited with {status}");
                return;
            }
            assert!(start.elapsed() < WAIT, "mamoru lsp did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn range_json(r: [(u32, u32); 2]) -> Value {
    json!({"start": {"line": r[0].0, "character": r[0].1}, "end": {"line": r[1].0, "character": r[1].1}})
}

/// The 0-based line and UTF-16 column of the first `needle` after `after` in a text.
fn find(text: &str, after: &str, needle: &str) -> (u32, u32) {
    let from = text.find(after).unwrap_or_else(|| panic!("no {after:?}"));
    let at = from
        + text[from..]
            .find(needle)
            .unwrap_or_else(|| panic!("no {needle:?}"));
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    (
        text[..at].matches('\n').count() as u32,
        text[line_start..at].encode_utf16().count() as u32,
    )
}

/// The text a location's range covers (UTF-16 columns, one line).
fn covered(loc: &Value) -> String {
    let path = lsp_types::Url::parse(loc["uri"].as_str().unwrap())
        .unwrap()
        .to_file_path()
        .unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let r = &loc["range"];
    let line: Vec<u16> = text
        .lines()
        .nth(r["start"]["line"].as_u64().unwrap() as usize)
        .unwrap()
        .encode_utf16()
        .collect();
    let (a, b) = (
        r["start"]["character"].as_u64().unwrap() as usize,
        r["end"]["character"].as_u64().unwrap() as usize,
    );
    String::from_utf16(&line[a..b]).unwrap()
}

fn pos_of(v: &Value) -> (u64, u64) {
    (
        v["start"]["line"].as_u64().unwrap(),
        v["start"]["character"].as_u64().unwrap(),
    )
}

#[test]
fn an_editing_session_over_stdio() {
    let dir = copy_of(&example());
    let root = dir.path();
    let mut c = Client::start(root);
    let phone = root.join("flows/phone.yaml");
    let roles = root.join("roles.yaml");
    let text = std::fs::read_to_string(&phone).unwrap();
    c.open(&phone);

    // A mistake: an unknown role. The diagnostic is check's, at the misspelt id.
    let (line, col) = find(&text, "- id: resolve", "operator");
    c.change(&phone, 2, [(line, col), (line, col + 8)], "operater");
    // The same mistake saved in a copy, for `check` (the server's copy stays as on disk).
    let broken = copy_of(root);
    let at = text.find("- id: resolve").unwrap();
    let mistaken = format!(
        "{}{}",
        &text[..at],
        text[at..].replacen("role: operator", "role: operater", 1)
    );
    std::fs::write(broken.path().join("flows/phone.yaml"), mistaken).unwrap();
    let expected: Vec<_> = check(broken.path())
        .into_iter()
        .filter(|d| d.code == "E201")
        .collect();
    assert_eq!(expected.len(), 1, "{expected:?}");
    let d = c.diagnostics(&phone, |d| !d.is_empty());
    let e = d
        .iter()
        .find(|d| d["code"] == "E201")
        .unwrap_or_else(|| panic!("{d:?}"));
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with(&expected[0].message)
    );
    assert_eq!(e["severity"], 1);
    assert_eq!(
        pos_of(&e["range"]),
        (
            u64::from(expected[0].line.unwrap()) - 1,
            u64::from(expected[0].column.unwrap()) - 1
        )
    );
    assert_eq!(e["range"], range_json([(line, col), (line, col + 8)]));

    // Fixed: the diagnostics clear.
    c.change(&phone, 3, [(line, col), (line, col + 8)], "operator");
    c.diagnostics(&phone, |d| d.is_empty());

    // Hover on the role shows its definition from roles.yaml.
    let hover = c.at("textDocument/hover", &phone, (line, col + 2), json!({}));
    let md = hover["contents"]["value"].as_str().unwrap();
    assert!(md.starts_with("**role** `operator` — オペレーター"), "{md}");
    assert!(md.contains("org: vendor"), "{md}");
    assert!(md.contains("defined in roles.yaml:2"), "{md}");
    assert_eq!(hover["range"], range_json([(line, col), (line, col + 8)]));

    // Definition: the `id:` of the role.
    let def = c.at("textDocument/definition", &phone, (line, col), json!({}));
    let def = def.as_array().unwrap();
    assert_eq!(def[0]["uri"], uri(&roles).as_str());
    assert_eq!(def[0]["range"], range_json([(1, 6), (1, 14)]));

    // References: every `operator` role across flows, aftercare and invariants, each range
    // covering exactly the id.
    let refs = c.at(
        "textDocument/references",
        &phone,
        (line, col),
        json!({"context": {"includeDeclaration": true}}),
    );
    let refs = refs.as_array().unwrap();
    let files: std::collections::BTreeSet<&str> =
        refs.iter().map(|r| r["uri"].as_str().unwrap()).collect();
    assert!(files.contains(uri(&roles).as_str()));
    assert!(files.len() >= 3, "{files:?}");
    for r in refs {
        assert_eq!(covered(r), "operator", "{r}");
    }
    let in_phone = refs
        .iter()
        .filter(|r| r["uri"] == uri(&phone).as_str())
        .count();
    assert_eq!(in_phone, text.matches("role: operator").count());

    // Completion of a role where one is expected, and of condition keys in `when: {`.
    c.change(&phone, 4, [(line, col), (line, col + 8)], "op");
    let items = c.at(
        "textDocument/completion",
        &phone,
        (line, col + 2),
        json!({}),
    );
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"operator"), "{labels:?}");
    assert!(labels.contains(&"sv"), "{labels:?}");
    let op = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "operator")
        .unwrap();
    assert_eq!(
        op["textEdit"]["range"],
        range_json([(line, col), (line, col + 2)])
    );
    c.change(&phone, 5, [(line, col), (line, col + 2)], "operator");
    let (wl, wc) = find(
        &text,
        "- when: {conduct_types: [threat, sexual, discrimination]}",
        "{",
    );
    let keys = c.at("textDocument/completion", &phone, (wl, wc + 1), json!({}));
    let keys: Vec<&str> = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        keys.contains(&"verdict") && keys.contains(&"event"),
        "{keys:?}"
    );

    // Symbols: the flow, with its steps in order.
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri(&phone)}}),
    );
    let flow = &symbols.as_array().unwrap()[0];
    assert_eq!(flow["name"], "phone");
    assert_eq!(flow["detail"], "電話応対フロー");
    let steps: Vec<&str> = flow["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    let expected_steps: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("- id: "))
        .collect();
    assert_eq!(steps, expected_steps);

    c.shutdown();
}

#[test]
fn columns_after_characters_outside_the_bmp_are_utf16_units() {
    let dir = copy_of(&example());
    let root = dir.path();
    let roles = root.join("roles.yaml");
    let mut c = Client::start(root);
    c.open(&roles);
    let text = std::fs::read_to_string(&roles).unwrap();
    let last = text.lines().count() as u32;
    let added = "- {id: yoshida, label: \"𠮷田さん（受付）\", org: vendr}\n";
    c.change(&roles, 2, [(last, 0), (last, 0)], added);
    std::fs::write(&roles, format!("{text}{added}")).unwrap();
    let expected: Vec<_> = check(root)
        .into_iter()
        .filter(|d| d.file.as_deref() == Some("roles.yaml"))
        .collect();
    assert_eq!(expected.len(), 1, "{expected:?}");
    let e = &expected[0];
    let d = c.diagnostics(&roles, |d| !d.is_empty());
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], e.code.as_str());
    // `vendr` comes after 𠮷 (two UTF-16 units, one character in check's columns).
    let col16 = added[..added.find("vendr").unwrap()].encode_utf16().count() as u64;
    assert_eq!(u64::from(e.column.unwrap()) - 1 + 1, col16);
    assert_eq!(pos_of(&d[0]["range"]), (u64::from(last), col16));
    assert_eq!(
        d[0]["range"]["end"]["character"].as_u64().unwrap(),
        col16 + 5
    );
    c.shutdown();
}

#[test]
fn a_fork_reads_its_upstream_and_points_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let up = dir.path().join("support");
    copy_tree(&example(), &up);
    let fork = dir.path().join("fork");
    mamoru::ops::fork(&up, &fork).unwrap();
    std::fs::create_dir_all(fork.join("flows")).unwrap();
    let phone = fork.join("flows/phone.yaml");
    let text = std::fs::read_to_string(up.join("flows/phone.yaml")).unwrap();
    std::fs::write(&phone, &text).unwrap();
    let mut c = Client::start_in(&fork, "ja");
    c.open(&phone);
    // The copy has no override record: check's E312 on the fork's file.
    let d = c.diagnostics(&phone, |d| d.iter().any(|x| x["code"] == "E312"));
    assert!(!d.is_empty());
    // Its roles come from the upstream's roles.yaml.
    let (line, col) = find(&text, "- id: listen", "operator");
    let def = c.at("textDocument/definition", &phone, (line, col), json!({}));
    assert_eq!(def[0]["uri"], uri(&up.join("roles.yaml")).as_str());
    assert_eq!(covered(&def[0]), "operator");
    // Hover speaks the editor's language and says where a fork's item comes from.
    let hover = c.at("textDocument/hover", &phone, (line, col), json!({}));
    let md = hover["contents"]["value"].as_str().unwrap();
    assert!(md.starts_with("**役割** `operator` — オペレーター"), "{md}");
    assert!(md.contains("から継承"), "{md}");
    c.shutdown();
}

#[test]
fn changes_on_disk_reported_by_the_client_are_checked() {
    let dir = copy_of(&example());
    let root = dir.path();
    let mut c = Client::start(root);
    let invariants = root.join("invariants.yaml");
    let text = std::fs::read_to_string(&invariants).unwrap();
    // Not open in the editor: a script rewrote it on disk.
    std::fs::write(
        &invariants,
        text.replacen("reach_role: staff", "reach_role: stafff", 1),
    )
    .unwrap();
    assert_ne!(std::fs::read_to_string(&invariants).unwrap(), text);
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&invariants), "type": 2}]}),
    );
    let d = c.diagnostics(&invariants, |d| !d.is_empty());
    assert!(d.iter().any(|x| x["code"] == "E201"), "{d:?}");
    std::fs::write(&invariants, &text).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&invariants), "type": 2}]}),
    );
    c.diagnostics(&invariants, |d| d.is_empty());
    c.shutdown();
}
