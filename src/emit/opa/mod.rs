//! The Open Policy Agent bundle (`mamoru build --opa FILE.tar.gz`): the rule bundle as OPA
//! data, a Rego package that decides exactly as `mamoru classify` does, Rego tests from the
//! cases, and optionally `.signatures.json` in OPA's own format (a JWT signed with ES256).
//!
//! Layout (every path under the root `mamoru`, so other bundles can sit beside it):
//!
//! | file | holds |
//! |---|---|
//! | `/.manifest` | `revision` (the policy's digest, `@` its git revision), `roots`, `rego_version`, `metadata.mamoru` |
//! | `/mamoru/policy/data.json` | the rule bundle, exactly `bundle.json`'s content → `data.mamoru.policy` |
//! | `/mamoru/policy.rego` | package `mamoru`: `decision`, `errors` and one annotated rule per policy item |
//! | `/mamoru/test/cases_test.rego` | package `mamoru.test`: one test per case |
//! | `/.signatures.json` | with `--opa-key`: `{"signatures": [JWT]}` listing every file's SHA-256 |
//!
//! The archive's bytes depend only on the bundle: entries sorted, mtime 0, uid/gid 0, mode 0644,
//! gzip without a name or timestamp.
//!
//! Architecture invariant: reads only the public [`Bundle`] types (never the compiler's
//! `Policy`), and the manual's URL scheme.

mod json;
mod rego;

pub use rego::RouteLimit;

use crate::bundle::Bundle;
use crate::sign::{SecretKey, hex};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::fmt;

/// The bundle's root: all data and packages live under `data.mamoru`.
pub const ROOT: &str = "mamoru";

/// Why an OPA bundle could not be written. Every message is produced here.
#[derive(Debug)]
pub enum OpaError {
    /// A flow whose routes the Rego cannot walk in a bounded number of steps.
    Route(RouteLimit),
    /// The signing key is not an ECDSA P-256 key.
    KeyKind,
    /// The bundle's data or archive could not be written (the reason, from serde or tar).
    Archive(String),
}

impl OpaError {
    /// The message, in the reader's language.
    pub fn message(&self) -> crate::i18n::Msg {
        use crate::msg;
        match self {
            OpaError::Route(RouteLimit::Unbounded { flow, step }) => {
                msg!("opa-unbounded", flow = flow.clone(), step = step.clone())
            }
            OpaError::Route(RouteLimit::TooLong { flow, steps, limit }) => msg!(
                "opa-too-long",
                flow = flow.clone(),
                steps = *steps,
                limit = *limit
            ),
            OpaError::Route(RouteLimit::RouteTooLong { flow, steps, limit }) => msg!(
                "opa-route-too-long",
                flow = flow.clone(),
                steps = *steps,
                limit = *limit
            ),
            OpaError::KeyKind => msg!("opa-key-kind"),
            OpaError::Archive(e) => msg!("opa-archive", error = e.clone()),
        }
    }
}

impl fmt::Display for OpaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message())
    }
}

impl std::error::Error for OpaError {}

/// What goes into the bundle besides the rule bundle.
pub struct Options<'a> {
    /// Sign `.signatures.json` with this ECDSA P-256 key (JWT `ES256`).
    pub key: Option<&'a SecretKey>,
    /// Prefix of manual links in METADATA annotations (empty: relative to the manual's root).
    pub manual_base: &'a str,
}

/// The manifest's `revision`: the policy's digest, and `@` the git revision when known.
pub fn revision(b: &Bundle) -> String {
    match &b.manifest.revision {
        Some(r) => format!("{}@{r}", b.manifest.digest),
        None => b.manifest.digest.clone(),
    }
}

/// The files of the OPA bundle, by path (no leading `/`), sorted.
pub fn files(b: &Bundle, o: &Options) -> Result<Vec<(String, Vec<u8>)>, OpaError> {
    let unroll = b
        .flows
        .iter()
        .map(rego::route_bound)
        .collect::<Result<Vec<u64>, _>>()
        .map_err(OpaError::Route)?
        .into_iter()
        .max()
        .unwrap_or(1);
    let manifest = serde_json::json!({
        "revision": revision(b),
        "roots": [ROOT],
        "rego_version": 1,
        "metadata": {
            "mamoru": {
                "policy": b.manifest.policy,
                "version": b.manifest.version,
                "digest": b.manifest.digest,
                "revision": b.manifest.revision,
                "format": b.manifest.format,
            }
        }
    });
    let data = serde_json::to_value(b).map_err(|e| OpaError::Archive(e.to_string()))?;
    let opts = rego::Options {
        manual_base: o.manual_base,
        unroll,
    };
    let mut files = vec![
        (
            ".manifest".to_string(),
            json::canonical(&manifest).into_bytes(),
        ),
        (
            format!("{ROOT}/policy/data.json"),
            json::canonical(&data).into_bytes(),
        ),
        (
            format!("{ROOT}/policy.rego"),
            rego::policy_module(b, &opts).into_bytes(),
        ),
        (
            format!("{ROOT}/test/cases_test.rego"),
            rego::tests_module(b, o.manual_base).into_bytes(),
        ),
    ];
    if let Some(key) = o.key {
        files.push((".signatures.json".into(), signatures(&files, key)?));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// `.signatures.json`: one JWT whose payload lists every file with its SHA-256, as OPA's
/// `opa sign` writes it. The structured files (`.manifest`, `data.json`) are written in the
/// canonical form OPA hashes them in, so the hash of their bytes is the hash OPA computes.
fn signatures(files: &[(String, Vec<u8>)], key: &SecretKey) -> Result<Vec<u8>, OpaError> {
    if !matches!(key, SecretKey::P256(_)) {
        return Err(OpaError::KeyKind);
    }
    let mut listed: Vec<serde_json::Value> = files
        .iter()
        .map(|(path, bytes)| {
            serde_json::json!({
                "name": path,
                "hash": hex(&Sha256::digest(bytes)),
                "algorithm": "SHA-256",
            })
        })
        .collect();
    listed.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    let header = serde_json::json!({"alg": "ES256", "kid": key.public().kid(), "typ": "JWT"});
    let payload = serde_json::json!({ "files": listed });
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let signing_input = format!(
        "{}.{}",
        b64.encode(json::canonical(&header)),
        b64.encode(json::canonical(&payload))
    );
    let sig = key.sign(signing_input.as_bytes());
    let jwt = format!("{signing_input}.{}", b64.encode(sig));
    let mut text = json::canonical(&serde_json::json!({ "signatures": [jwt] }));
    text.push('\n');
    Ok(text.into_bytes())
}

/// A deterministic `.tar.gz` of the files, each named with a leading `/` as `opa build` does.
pub fn archive(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, OpaError> {
    let err = |e: std::io::Error| OpaError::Archive(e.to_string());
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    for (path, bytes) in files {
        let name = format!("/{path}");
        let mut h = tar::Header::new_ustar();
        let field = &mut h.as_old_mut().name;
        if name.len() >= field.len() {
            return Err(OpaError::Archive(format!("path too long: {name}")));
        }
        field[..name.len()].copy_from_slice(name.as_bytes());
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        tar.append(&h, bytes.as_slice()).map_err(err)?;
    }
    let gz = tar.into_inner().map_err(err)?;
    gz.finish().map_err(err)
}

/// `build --opa`: the `.tar.gz` bytes of the OPA bundle.
pub fn build(b: &Bundle, o: &Options) -> Result<Vec<u8>, OpaError> {
    archive(&files(b, o)?)
}
