//! Signed folders end to end, through the binary: keygen, sign, verify (changed, added and
//! removed files, swapped keys, malformed signature files, symlinks, paths escaping the
//! folder), key rotation, `classify --verify-with` and a fork's `check --verify-with`.

mod common;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn mamoru() -> Command {
    Command::cargo_bin("mamoru").unwrap()
}

fn keygen(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    mamoru()
        .current_dir(dir)
        .args(["keygen", name])
        .assert()
        .success();
    (
        dir.join(format!("{name}.key")),
        dir.join(format!("{name}.pub")),
    )
}

/// A built folder (bundle only, so the test stays quick), signed with `key`.
fn signed_build(dir: &Path, key: &Path) -> PathBuf {
    let out = dir.join("public");
    mamoru()
        .args(["build", "--builtin", "--bundle-only", "--out"])
        .arg(&out)
        .assert()
        .success();
    std::fs::create_dir_all(out.join("assets")).unwrap();
    std::fs::write(out.join("assets/note.txt"), "a nested file\n").unwrap();
    mamoru()
        .arg("sign")
        .arg(&out)
        .arg("--key")
        .arg(key)
        .assert()
        .success();
    out
}

fn verify(dir: &Path, key: &Path) -> (i32, String) {
    let out = mamoru()
        .arg("verify")
        .arg(dir)
        .arg("--key")
        .arg(key)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = keygen(dir.path(), "team");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&private).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let before = std::fs::read(&private).unwrap();
    assert!(String::from_utf8_lossy(&before).starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(
        std::fs::read_to_string(&public)
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    mamoru()
        .current_dir(dir.path())
        .args(["keygen", "team"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("never overwrites"));
    assert_eq!(std::fs::read(&private).unwrap(), before);
    // An existing NAME.pub alone also stops keygen, and no NAME.key is left behind.
    std::fs::write(dir.path().join("lone.pub"), "x").unwrap();
    mamoru()
        .current_dir(dir.path())
        .args(["keygen", "lone"])
        .assert()
        .code(2);
    assert!(!dir.path().join("lone.key").exists());
}

#[test]
fn a_signed_build_verifies_and_every_alteration_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "team");
    let out = signed_build(dir.path(), &key);
    assert_eq!(verify(&out, &public).0, 0);

    // One byte changed in a nested file.
    let note = out.join("assets/note.txt");
    let mut bytes = std::fs::read(&note).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&note, &bytes).unwrap();
    let (code, err) = verify(&out, &public);
    assert_eq!(code, 1);
    assert!(err.contains("changed: `assets/note.txt`"), "{err}");
    bytes[0] ^= 1;
    std::fs::write(&note, &bytes).unwrap();
    assert_eq!(verify(&out, &public).0, 0);

    // Added, removed, and a hidden file added.
    std::fs::write(out.join("extra.html"), "<p>").unwrap();
    std::fs::write(out.join(".hidden"), "x").unwrap();
    std::fs::rename(out.join("bundle.schema.json"), dir.path().join("moved")).unwrap();
    let (code, err) = verify(&out, &public);
    assert_eq!(code, 1);
    for want in [
        "added: `extra.html`",
        "added: `.hidden`",
        "removed: `bundle.schema.json`",
    ] {
        assert!(err.contains(want), "{want}: {err}");
    }
}

#[test]
fn every_single_byte_of_the_bundle_is_covered() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "team");
    let out = signed_build(dir.path(), &key);
    let bundle = out.join("bundle.json");
    let original = std::fs::read(&bundle).unwrap();
    // Flip bytes at spread positions (each verify is a process: a sample, not every byte).
    for i in (0..original.len()).step_by(original.len() / 12 + 1) {
        let mut b = original.clone();
        b[i] = b[i].wrapping_add(1);
        std::fs::write(&bundle, &b).unwrap();
        let (code, err) = verify(&out, &public);
        assert_eq!(code, 1, "byte {i}");
        assert!(err.contains("changed: `bundle.json`"), "{err}");
    }
    std::fs::write(&bundle, &original).unwrap();
    assert_eq!(verify(&out, &public).0, 0);
}

#[test]
fn another_key_or_an_altered_signature_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "team");
    let (_, other) = keygen(dir.path(), "other");
    let out = signed_build(dir.path(), &key);
    let (code, err) = verify(&out, &other);
    assert_eq!(code, 1);
    assert!(err.contains("wrong key"), "{err}");

    let sig = out.join("signatures.json");
    let text = std::fs::read_to_string(&sig).unwrap();
    // A hash in the list edited to match an edited file: the signature no longer verifies.
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let first = v["files"][0]["sha256"].as_str().unwrap().to_string();
    let edited = text.replacen(&first, &"0".repeat(64), 1);
    std::fs::write(&sig, edited).unwrap();
    let (code, err) = verify(&out, &public);
    assert_eq!(code, 1);
    assert!(err.contains("does not verify"), "{err}");

    // Malformed: not JSON, unknown fields, unsorted paths, a path escaping the folder, an
    // absolute path, no signature at all.
    let cases: Vec<(String, &str)> = vec![
        ("{not json".into(), "malformed"),
        (
            text.replacen("\"format\"", "\"extra\": 1, \"format\"", 1),
            "malformed",
        ),
        (
            text.replacen("\"bundle.json\"", "\"../outside.json\"", 1),
            "escapes the folder",
        ),
        (
            text.replacen("\"bundle.json\"", "\"/etc/passwd\"", 1),
            "escapes the folder",
        ),
        (
            text.replacen("\"bundle.json\"", "\"zzz.json\"", 1),
            "not sorted",
        ),
        (
            serde_json::to_string(
                &serde_json::json!({"format": v["format"], "files": v["files"], "signatures": []}),
            )
            .unwrap(),
            "no signature",
        ),
    ];
    for (content, want) in cases {
        std::fs::write(&sig, &content).unwrap();
        let (code, err) = verify(&out, &public);
        assert_eq!(code, 1, "{content}");
        assert!(
            err.contains("malformed signatures.json") && err.contains(want),
            "{want}: {err}"
        );
    }
    std::fs::remove_file(&sig).unwrap();
    let (code, err) = verify(&out, &public);
    assert_eq!(code, 1);
    assert!(err.contains("not signed"), "{err}");
}

#[cfg(unix)]
#[test]
fn symlinks_are_refused_by_sign_and_by_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "team");
    let out = signed_build(dir.path(), &key);
    std::os::unix::fs::symlink("/etc/passwd", out.join("passwd")).unwrap();
    let (code, err) = verify(&out, &public);
    assert_eq!(code, 1);
    assert!(
        err.contains("refused: `passwd`") && err.contains("symbolic link"),
        "{err}"
    );
    mamoru()
        .arg("sign")
        .arg(&out)
        .arg("--key")
        .arg(&key)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("symbolic link"));
    // A signed file replaced by a symlink to a copy of itself is still refused.
    std::fs::remove_file(out.join("passwd")).unwrap();
    std::fs::copy(out.join("bundle.json"), dir.path().join("copy.json")).unwrap();
    std::fs::remove_file(out.join("bundle.json")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("copy.json"), out.join("bundle.json")).unwrap();
    let (code, err) = verify(&out, &public);
    assert_eq!(code, 1);
    assert!(err.contains("refused: `bundle.json`"), "{err}");
}

#[test]
fn keys_rotate_with_an_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let (old_key, old_pub) = keygen(dir.path(), "old");
    let (new_key, new_pub) = keygen(dir.path(), "new");
    let out = signed_build(dir.path(), &old_key);
    // Overlap: the folder carries both signatures; verifiers with either key accept it.
    mamoru()
        .arg("sign")
        .arg(&out)
        .arg("--key")
        .arg(&new_key)
        .arg("--add")
        .assert()
        .success();
    assert_eq!(verify(&out, &old_pub).0, 0);
    assert_eq!(verify(&out, &new_pub).0, 0);
    // A verifier that holds both keys during the change accepts either.
    mamoru()
        .arg("verify")
        .arg(&out)
        .arg("--key")
        .arg(&old_pub)
        .arg("--key")
        .arg(&new_pub)
        .assert()
        .success();
    // --add after the files changed is refused: every key must sign the new files.
    std::fs::write(out.join("assets/note.txt"), "changed\n").unwrap();
    mamoru()
        .arg("sign")
        .arg(&out)
        .arg("--key")
        .arg(&new_key)
        .arg("--add")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("changed since they were signed"));
    // Retirement: signing without --add leaves only the new key's signature.
    mamoru()
        .arg("sign")
        .arg(&out)
        .arg("--key")
        .arg(&new_key)
        .assert()
        .success();
    assert_eq!(verify(&out, &new_pub).0, 0);
    assert_eq!(verify(&out, &old_pub).0, 1);
}

#[test]
fn json_output_lists_problems_for_machines() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "team");
    let out = signed_build(dir.path(), &key);
    std::fs::write(out.join("extra"), "x").unwrap();
    let o = mamoru()
        .arg("verify")
        .arg(&out)
        .arg("--key")
        .arg(&public)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], serde_json::json!(false));
    assert_eq!(
        v["problems"][0],
        serde_json::json!({"kind": "added", "path": "extra"})
    );
}

#[test]
fn classify_refuses_an_unsigned_or_altered_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "team");
    let (_, other) = keygen(dir.path(), "other");
    let out = signed_build(dir.path(), &key);
    let contact = r#"{"channel": "phone", "conduct": "c4", "demand": "d1"}"#;
    let classify = |key: &Path| {
        mamoru()
            .arg("classify")
            .arg("--bundle")
            .arg(out.join("bundle.json"))
            .arg("--verify-with")
            .arg(key)
            .write_stdin(contact)
            .output()
            .unwrap()
    };
    let ok = classify(&public);
    assert_eq!(ok.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("\"verdict\":\"harassment\""));
    let wrong = classify(&other);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(wrong.stdout.is_empty());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong key"));
    // An altered bundle (a verdict changed) is refused before any contact is classified.
    let path = out.join("bundle.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("\"harassment\"", "\"complaint\" ", 1)).unwrap();
    let altered = classify(&public);
    assert_eq!(altered.status.code(), Some(1));
    assert!(altered.stdout.is_empty());
    assert!(String::from_utf8_lossy(&altered.stderr).contains("changed: `bundle.json`"));
    // Unsigned.
    std::fs::remove_file(out.join("signatures.json")).unwrap();
    let unsigned = classify(&public);
    assert_eq!(unsigned.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unsigned.stderr).contains("not signed"));
}

#[test]
fn a_fork_verifies_its_signed_upstream_before_using_it() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "team");
    let (_, other) = keygen(dir.path(), "other");
    let upstream = dir.path().join("support");
    common::copy_tree(&common::example(), &upstream);
    let fork = dir.path().join("dept");
    mamoru()
        .arg("fork")
        .arg(&upstream)
        .arg(&fork)
        .assert()
        .success();
    let check = |key: &Path| {
        mamoru()
            .arg("check")
            .arg(&fork)
            .arg("--verify-with")
            .arg(key)
            .args(["--format", "json"])
            .output()
            .unwrap()
    };
    // Unsigned upstream: refused.
    let o = check(&public);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("E305") && text.contains("not signed"),
        "{text}"
    );
    // Signed: accepted.
    mamoru()
        .arg("sign")
        .arg(&upstream)
        .arg("--key")
        .arg(&key)
        .assert()
        .success();
    let o = check(&public);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // Wrong key, then an edited upstream file: refused, and the file is named.
    assert_eq!(check(&other).status.code(), Some(1));
    common::edit(
        &upstream,
        "criteria.yaml",
        "c0: [complaint, complaint, complaint]",
        "c0: [complaint, complaint, gray]",
    );
    let o = check(&public);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("E305") && text.contains("changed: `criteria.yaml`"),
        "{text}"
    );
    // build refuses too, and writes nothing.
    let out = dir.path().join("public");
    mamoru()
        .arg("build")
        .arg(&fork)
        .arg("--out")
        .arg(&out)
        .arg("--bundle-only")
        .arg("--verify-with")
        .arg(&public)
        .assert()
        .code(1);
    assert!(!out.exists());
}

#[test]
fn build_writes_a_signed_opa_bundle_and_refuses_an_ed25519_key_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let (ed_key, _) = keygen(dir.path(), "team");
    mamoru()
        .current_dir(dir.path())
        .args(["keygen", "opa", "--opa"])
        .assert()
        .success();
    let out = dir.path().join("public");
    let file = out.join("policy.tar.gz");
    mamoru()
        .args(["build", "--builtin", "--bundle-only", "--out"])
        .arg(&out)
        .arg("--opa")
        .arg(&file)
        .arg("--opa-key")
        .arg(dir.path().join("opa.key"))
        .assert()
        .success();
    let listing = std::process::Command::new("tar")
        .arg("-tzf")
        .arg(&file)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(listing.contains("/.signatures.json"), "{listing}");
    // Inside --out, the OPA bundle is part of the folder: signing covers it.
    mamoru()
        .arg("sign")
        .arg(&out)
        .arg("--key")
        .arg(&ed_key)
        .assert()
        .success();
    let sigs = std::fs::read_to_string(out.join("signatures.json")).unwrap();
    assert!(sigs.contains("\"policy.tar.gz\""));
    // Outside --out, on its own, byte-identical for the same sources.
    let alone = dir.path().join("alone.tar.gz");
    mamoru()
        .args(["build", "--builtin", "--bundle-only", "--out"])
        .arg(dir.path().join("p2"))
        .arg("--opa")
        .arg(&alone)
        .arg("--opa-key")
        .arg(dir.path().join("opa.key"))
        .assert()
        .success();
    assert_eq!(
        std::fs::read(&alone).unwrap(),
        std::fs::read(&file).unwrap()
    );
    mamoru()
        .args(["build", "--builtin", "--bundle-only", "--out"])
        .arg(dir.path().join("p3"))
        .arg("--opa")
        .arg(dir.path().join("x.tar.gz"))
        .arg("--opa-key")
        .arg(&ed_key)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("ES256"));
    assert!(!dir.path().join("p3").exists());
}
