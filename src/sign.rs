//! Signed output folders: who published a build, and is every file still as published?
//!
//! `mamoru keygen NAME` writes an Ed25519 key pair in the standard PEM encodings (`NAME.key`:
//! PKCS#8, mode 0600; `NAME.pub`: SubjectPublicKeyInfo), readable by OpenSSL and every crypto
//! library. `mamoru sign DIR` writes [`SIGNATURE_FILE`] into DIR: every other file's SHA-256
//! (paths sorted) and one Ed25519 signature per key, each tagged with the key's id (`kid`), so a
//! folder can carry the signatures of an old and a new key while verifiers move from one to the
//! other. `mamoru verify DIR` checks a signature by one of the given keys, then every file.
//!
//! `keygen --opa` writes an ECDSA P-256 pair instead: OPA verifies bundle signatures (JWTs) with
//! RS*, PS*, ES* or HS* algorithms but not EdDSA, so OPA bundles are signed with ES256
//! (`emit::opa`).
//!
//! Architecture invariant: knows files, hashes and keys; nothing about policies or bundles.
//! Every message a user reads is produced here, by [`Problem`] and [`Error`].

use crate::i18n::Msg;
use crate::msg;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The signature file, at the top of a signed folder.
pub const SIGNATURE_FILE: &str = "signatures.json";
/// Format of the signature file; the first line of every signed message.
pub const FORMAT: &str = "mamoru-signatures/1";
/// The signature algorithm of [`SIGNATURE_FILE`] entries.
pub const ALG: &str = "Ed25519";

/// What `keygen` makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// Ed25519, for `mamoru sign` / `verify` / `--verify-with`.
    Ed25519,
    /// ECDSA P-256 (JWT `ES256`), for the `.signatures.json` of OPA bundles.
    P256,
}

/// A private key read from a PEM file.
pub enum SecretKey {
    /// An Ed25519 key (signed folders).
    Ed25519(ed25519_dalek::SigningKey),
    /// An ECDSA P-256 key (OPA bundles).
    P256(p256::ecdsa::SigningKey),
}

/// A public key read from a PEM file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// An Ed25519 key (signed folders).
    Ed25519(ed25519_dalek::VerifyingKey),
    /// An ECDSA P-256 key (OPA bundles).
    P256(p256::ecdsa::VerifyingKey),
}

/// A usage or I/O error: the command could not do its job (exit code 2).
#[derive(Debug)]
pub enum Error {
    /// A file or folder that could not be read or written.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        error: std::io::Error,
    },
    /// `keygen` would overwrite this key file.
    KeyExists(PathBuf),
    /// Not a PEM key of a kind mamoru reads (`private`: a private key was expected).
    BadKey {
        /// The key file.
        path: PathBuf,
        /// A private key was expected (else a public one).
        private: bool,
    },
    /// The operating system gave no randomness for a new key.
    NoRandomness(String),
    /// A key of another algorithm than the command needs.
    WrongKeyKind {
        /// The key file.
        path: PathBuf,
        /// The kind the command needs.
        want: KeyKind,
        /// The kind the file holds.
        have: KeyKind,
    },
    /// A private key where a public key is expected (never hand out the private one).
    PrivateGiven(PathBuf),
    /// A public key where a private key is expected.
    PublicGiven(PathBuf),
    /// The path to sign or verify is not a folder.
    NotAFolder(PathBuf),
    /// A file `sign` will not sign; `why` is a catalogue id (`sign-why-…`).
    Unsignable {
        /// The file, relative to the folder.
        path: String,
        /// Why (a catalogue id).
        why: &'static str,
    },
    /// `sign --add` on a folder whose files changed since it was signed.
    AddChanged(PathBuf),
    /// `sign --add` on a folder with no (readable) signature file.
    AddUnsigned {
        /// The folder.
        dir: PathBuf,
        /// What is wrong with its signature file.
        why: Problem,
    },
}

impl Error {
    /// The message, in the reader's language.
    pub fn message(&self) -> Msg {
        let p = |p: &Path| p.display().to_string();
        match self {
            Error::Io { path, error } => msg!("sign-io", path = p(path), error = error.to_string()),
            Error::KeyExists(path) => msg!("sign-key-exists", path = p(path)),
            Error::BadKey { path, private } => {
                if *private {
                    msg!("sign-bad-private-key", path = p(path))
                } else {
                    msg!("sign-bad-public-key", path = p(path))
                }
            }
            Error::NoRandomness(e) => msg!("sign-no-randomness", error = e.clone()),
            Error::WrongKeyKind { path, want, have } => {
                let (path, have, want) = (p(path), kind_name(*have), kind_name(*want));
                if want == kind_name(KeyKind::P256) {
                    msg!(
                        "sign-wrong-key-kind-opa",
                        path = path,
                        have = have,
                        want = want
                    )
                } else {
                    msg!("sign-wrong-key-kind", path = path, have = have, want = want)
                }
            }
            Error::PrivateGiven(path) => msg!("sign-private-given", path = p(path)),
            Error::PublicGiven(path) => msg!("sign-public-given", path = p(path)),
            Error::NotAFolder(path) => msg!("sign-not-a-folder", path = p(path)),
            Error::Unsignable { path, why } => {
                msg!("sign-unsignable", path = path.clone(), why = Msg::new(why))
            }
            Error::AddChanged(d) => msg!("sign-add-changed", path = p(d)),
            Error::AddUnsigned { dir, why } => {
                msg!("sign-add-unsigned", path = p(dir), why = why.message())
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message())
    }
}

impl std::error::Error for Error {}

fn kind_name(k: KeyKind) -> &'static str {
    match k {
        KeyKind::Ed25519 => "Ed25519",
        KeyKind::P256 => "ECDSA P-256 (ES256)",
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |error| Error::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl PublicKey {
    /// The key id: the first 16 hex digits of the SHA-256 of the key's DER
    /// SubjectPublicKeyInfo (`openssl pkey -pubin -in NAME.pub -outform DER | sha256sum`).
    pub fn kid(&self) -> String {
        let der = match self {
            PublicKey::Ed25519(k) => {
                use ed25519_dalek::pkcs8::EncodePublicKey;
                k.to_public_key_der().map(|d| d.into_vec())
            }
            PublicKey::P256(k) => {
                use p256::pkcs8::EncodePublicKey;
                k.to_public_key_der().map(|d| d.into_vec())
            }
        };
        // Encoding a valid key cannot fail; an empty id would simply never match.
        let der = der.unwrap_or_default();
        hex(&Sha256::digest(&der))[..16].to_string()
    }

    /// The key's algorithm.
    pub fn kind(&self) -> KeyKind {
        match self {
            PublicKey::Ed25519(_) => KeyKind::Ed25519,
            PublicKey::P256(_) => KeyKind::P256,
        }
    }

    /// The SubjectPublicKeyInfo PEM text.
    pub fn to_pem(&self) -> String {
        let pem = match self {
            PublicKey::Ed25519(k) => {
                use ed25519_dalek::pkcs8::{EncodePublicKey, spki::der::pem::LineEnding};
                k.to_public_key_pem(LineEnding::LF)
            }
            PublicKey::P256(k) => {
                use p256::pkcs8::{EncodePublicKey, LineEnding};
                k.to_public_key_pem(LineEnding::LF)
            }
        };
        pem.unwrap_or_default()
    }
}

impl SecretKey {
    /// The public half of the key.
    pub fn public(&self) -> PublicKey {
        match self {
            SecretKey::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
            SecretKey::P256(k) => PublicKey::P256(*k.verifying_key()),
        }
    }

    /// The key's algorithm.
    pub fn kind(&self) -> KeyKind {
        self.public().kind()
    }

    fn to_pem(&self) -> Result<String, String> {
        match self {
            SecretKey::Ed25519(k) => {
                use ed25519_dalek::pkcs8::{EncodePrivateKey, spki::der::pem::LineEnding};
                k.to_pkcs8_pem(LineEnding::LF)
                    .map(|z| z.to_string())
                    .map_err(|e| e.to_string())
            }
            SecretKey::P256(k) => {
                use p256::pkcs8::{EncodePrivateKey, LineEnding};
                k.to_pkcs8_pem(LineEnding::LF)
                    .map(|z| z.to_string())
                    .map_err(|e| e.to_string())
            }
        }
    }

    /// A fresh random key from the operating system's generator.
    pub fn generate(kind: KeyKind) -> Result<SecretKey, String> {
        loop {
            let mut seed = Seed([0u8; 32]);
            getrandom::fill(&mut seed.0).map_err(|e| e.to_string())?;
            match kind {
                KeyKind::Ed25519 => {
                    return Ok(SecretKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(
                        &seed.0,
                    )));
                }
                KeyKind::P256 => {
                    // A scalar outside 1..n is rejected: draw again (probability ~2^-32).
                    if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&seed.0) {
                        return Ok(SecretKey::P256(k));
                    }
                }
            }
        }
    }

    /// Sign `message`: Ed25519 gives 64 bytes; ES256 gives `r || s` (64 bytes, as JWS wants).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            SecretKey::Ed25519(k) => {
                use ed25519_dalek::Signer;
                k.sign(message).to_bytes().to_vec()
            }
            SecretKey::P256(k) => {
                use p256::ecdsa::signature::Signer;
                let s: p256::ecdsa::Signature = k.sign(message);
                s.to_bytes().to_vec()
            }
        }
    }
}

/// A key seed, wiped when dropped.
struct Seed([u8; 32]);
impl Drop for Seed {
    fn drop(&mut self) {
        for b in self.0.iter_mut() {
            // SAFETY: `b` is a valid, aligned, exclusive reference to a byte of the seed.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

impl PublicKey {
    /// Does `signature` sign `message` under this key?
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            PublicKey::Ed25519(k) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|s| k.verify_strict(message, &s).is_ok()),
            PublicKey::P256(k) => {
                use p256::ecdsa::signature::Verifier;
                p256::ecdsa::Signature::from_slice(signature)
                    .is_ok_and(|s| k.verify(message, &s).is_ok())
            }
        }
    }
}

fn read_pem(path: &Path) -> Result<String, Error> {
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(64 * 1024).read_to_string(&mut text))
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidData {
                Error::BadKey {
                    path: path.to_path_buf(),
                    private: false,
                }
            } else {
                Error::Io {
                    path: path.to_path_buf(),
                    error: e,
                }
            }
        })?;
    Ok(text)
}

/// Read a private key (PKCS#8 PEM, Ed25519 or P-256).
pub fn read_secret(path: &Path) -> Result<SecretKey, Error> {
    let text = read_pem(path)?;
    if text.contains("-----BEGIN PUBLIC KEY-----") {
        return Err(Error::PublicGiven(path.to_path_buf()));
    }
    {
        use ed25519_dalek::pkcs8::DecodePrivateKey;
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_pem(&text) {
            return Ok(SecretKey::Ed25519(k));
        }
    }
    {
        use p256::pkcs8::DecodePrivateKey;
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_pem(&text) {
            return Ok(SecretKey::P256(k));
        }
    }
    Err(Error::BadKey {
        path: path.to_path_buf(),
        private: true,
    })
}

/// Read a public key (SubjectPublicKeyInfo PEM, Ed25519 or P-256).
pub fn read_public(path: &Path) -> Result<PublicKey, Error> {
    let text = read_pem(path)?;
    if text.contains("PRIVATE KEY-----") {
        return Err(Error::PrivateGiven(path.to_path_buf()));
    }
    {
        use ed25519_dalek::pkcs8::DecodePublicKey;
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_pem(&text) {
            return Ok(PublicKey::Ed25519(k));
        }
    }
    {
        use p256::pkcs8::DecodePublicKey;
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_pem(&text) {
            return Ok(PublicKey::P256(k));
        }
    }
    Err(Error::BadKey {
        path: path.to_path_buf(),
        private: false,
    })
}

/// Read a private key that must be Ed25519 (for folder signatures).
pub fn read_signing_key(path: &Path) -> Result<SecretKey, Error> {
    let k = read_secret(path)?;
    if k.kind() != KeyKind::Ed25519 {
        return Err(Error::WrongKeyKind {
            path: path.to_path_buf(),
            want: KeyKind::Ed25519,
            have: k.kind(),
        });
    }
    Ok(k)
}

/// Read a public key that must be Ed25519 (for folder signatures).
pub fn read_ed25519_public(path: &Path) -> Result<PublicKey, Error> {
    let k = read_public(path)?;
    if k.kind() != KeyKind::Ed25519 {
        return Err(Error::WrongKeyKind {
            path: path.to_path_buf(),
            want: KeyKind::Ed25519,
            have: k.kind(),
        });
    }
    Ok(k)
}

/// What `keygen` wrote.
#[derive(Debug)]
pub struct Generated {
    /// The private key file, `NAME.key` (mode 0600).
    pub private: PathBuf,
    /// The public key file, `NAME.pub`.
    pub public: PathBuf,
    /// The key id.
    pub kid: String,
}

/// `NAME` + `.key` / `.pub` (the name may contain dots: `team.2027` → `team.2027.key`).
fn with_suffix(name: &Path, suffix: &str) -> PathBuf {
    let mut s = name.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// `mamoru keygen NAME`: write `NAME.key` (0600) and `NAME.pub`; never overwrite either.
pub fn keygen(name: &Path, kind: KeyKind) -> Result<Generated, Error> {
    let private = with_suffix(name, ".key");
    let public = with_suffix(name, ".pub");
    for p in [&private, &public] {
        if p.symlink_metadata().is_ok() {
            return Err(Error::KeyExists(p.clone()));
        }
    }
    let key = SecretKey::generate(kind).map_err(Error::NoRandomness)?;
    let pem = key.to_pem().map_err(Error::NoRandomness)?;
    write_new(&private, pem.as_bytes(), 0o600)?;
    if let Err(e) = write_new(&public, key.public().to_pem().as_bytes(), 0o644) {
        let _ = std::fs::remove_file(&private);
        return Err(e);
    }
    Ok(Generated {
        private,
        public,
        kid: key.public().kid(),
    })
}

/// Create a file that must not exist yet, with the given permissions from the start.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = o.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::KeyExists(path.to_path_buf())
        } else {
            Error::Io {
                path: path.to_path_buf(),
                error: e,
            }
        }
    })?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(io(path))
}

/// The signature file ([`SIGNATURE_FILE`]) of a signed folder.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    /// [`FORMAT`].
    pub format: String,
    /// Every file of the folder but this one, sorted by path.
    pub files: Vec<FileHash>,
    /// One signature per key, of [`message`] over `files`.
    pub signatures: Vec<Signature>,
}

/// A file of a signed folder and its hash.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileHash {
    /// Relative, `/`-separated.
    pub path: String,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// One key's signature of a folder.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// The signing key's id ([`PublicKey::kid`]).
    pub kid: String,
    /// [`ALG`].
    pub alg: String,
    /// Standard base64 of the 64-byte Ed25519 signature of [`message`].
    pub sig: String,
}

/// The bytes every signature signs: the format line, then one `sha256  path` line per file
/// (sorted), each ending in `\n` — the `sha256sum` format, so `tail -n +2` of it checks with
/// `sha256sum -c`.
pub fn message(files: &[FileHash]) -> Vec<u8> {
    let mut m = format!("{FORMAT}\n");
    for f in files {
        m.push_str(&f.sha256);
        m.push_str("  ");
        m.push_str(&f.path);
        m.push('\n');
    }
    m.into_bytes()
}

/// Is a path as listed in a signature file safe to open under the folder?
fn safe_path(p: &str) -> bool {
    !p.is_empty()
        && p != SIGNATURE_FILE
        && !p.starts_with('/')
        && !p.chars().any(|c| c.is_control() || c == '\\')
        && p.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

/// A folder's files (not following symlinks) and their hashes, sorted by path. Files that
/// cannot be signed are reported separately; `skip_top` is the signature file.
struct Walk {
    files: Vec<FileHash>,
    refused: Vec<(String, &'static str)>,
}

fn walk(dir: &Path) -> Result<Walk, Error> {
    let mut w = Walk {
        files: Vec::new(),
        refused: Vec::new(),
    };
    fn go(base: &Path, rel: &str, w: &mut Walk) -> Result<(), Error> {
        let here = if rel.is_empty() {
            base.to_path_buf()
        } else {
            base.join(rel)
        };
        let mut entries = std::fs::read_dir(&here)
            .map_err(io(&here))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(io(&here))?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name();
            let Some(name) = name.to_str() else {
                w.refused.push((
                    format!("{rel}{}", name.to_string_lossy()),
                    "sign-why-not-utf8",
                ));
                continue;
            };
            let path = format!("{rel}{name}");
            if path == SIGNATURE_FILE {
                continue;
            }
            let meta = e.path().symlink_metadata().map_err(io(&e.path()))?;
            let t = meta.file_type();
            if t.is_symlink() {
                w.refused.push((path, "sign-why-symlink"));
            } else if t.is_dir() {
                go(base, &format!("{path}/"), w)?;
            } else if !t.is_file() {
                w.refused.push((path, "sign-why-special"));
            } else if !safe_path(&path) {
                w.refused.push((path, "sign-why-unportable"));
            } else {
                let sha256 = hash_file(&e.path())?;
                w.files.push(FileHash { path, sha256 });
            }
        }
        Ok(())
    }
    go(dir, "", &mut w)?;
    w.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(w)
}

fn hash_file(path: &Path) -> Result<String, Error> {
    let mut f = std::fs::File::open(path).map_err(io(path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// What `sign` did.
#[derive(Debug)]
pub struct Signed {
    /// How many files the signature lists.
    pub files: usize,
    /// Key ids whose signatures the file now carries, in order.
    pub kids: Vec<String>,
}

/// `mamoru sign DIR --key K...`: list every file's hash and sign the list with each key.
/// Without `add`, the signature file is replaced; with `add`, the new signatures join those
/// already there (the files must not have changed since), which is how a key is rotated.
pub fn sign(dir: &Path, keys: &[SecretKey], add: bool) -> Result<Signed, Error> {
    if !dir.is_dir() {
        return Err(Error::NotAFolder(dir.to_path_buf()));
    }
    let w = walk(dir)?;
    if let Some((path, why)) = w.refused.into_iter().next() {
        return Err(Error::Unsignable { path, why });
    }
    let msg = message(&w.files);
    let mut signatures: Vec<Signature> = Vec::new();
    if add {
        let old = read_signature_file(dir).map_err(|p| Error::AddUnsigned {
            dir: dir.to_path_buf(),
            why: p,
        })?;
        if old.files != w.files {
            return Err(Error::AddChanged(dir.to_path_buf()));
        }
        signatures = old.signatures;
    }
    for k in keys {
        let pk = k.public();
        let kid = pk.kid();
        signatures.retain(|s| s.kid != kid);
        signatures.push(Signature {
            kid,
            alg: ALG.into(),
            sig: base64::engine::general_purpose::STANDARD.encode(k.sign(&msg)),
        });
    }
    let file = SignatureFile {
        format: FORMAT.into(),
        files: w.files,
        signatures,
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(|e| Error::Io {
        path: dir.join(SIGNATURE_FILE),
        error: std::io::Error::other(e),
    })?;
    text.push('\n');
    let target = dir.join(SIGNATURE_FILE);
    let tmp = dir.join(format!(
        ".{SIGNATURE_FILE}.mamoru-new-{}",
        std::process::id()
    ));
    let written = std::fs::write(&tmp, text.as_bytes())
        .and_then(|()| std::fs::rename(&tmp, &target))
        .map_err(io(&target));
    let _ = std::fs::remove_file(&tmp);
    written?;
    Ok(Signed {
        files: file.files.len(),
        kids: file.signatures.iter().map(|s| s.kid.clone()).collect(),
    })
}

/// Why a folder (or one file of it) is not as signed. Each names what differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Problem {
    /// No signature file.
    Unsigned {
        /// The folder.
        dir: String,
    },
    /// The signature file cannot be read as one; `why` is already in the reader's language.
    Malformed {
        /// What is wrong, rendered.
        why: String,
    },
    /// No signature by any of the keys given.
    WrongKey {
        /// The key ids the file has signatures of.
        signed_by: Vec<String>,
        /// The key ids given.
        given: Vec<String>,
    },
    /// A signature by a given key's id that does not verify.
    BadSignature {
        /// The key id.
        kid: String,
    },
    /// A listed file whose bytes changed.
    Changed {
        /// The file, relative to the folder.
        path: String,
    },
    /// A file the signature does not list.
    Added {
        /// The file, relative to the folder.
        path: String,
    },
    /// A listed file that is missing.
    Removed {
        /// The file, relative to the folder.
        path: String,
    },
    /// A symlink or special file in the folder (never followed); `why` is a catalogue id.
    NotRegular {
        /// The entry, relative to the folder.
        path: String,
        /// Why it is refused (a catalogue id).
        why: &'static str,
    },
}

impl Problem {
    /// The message, in the reader's language.
    pub fn message(&self) -> Msg {
        match self {
            Problem::Unsigned { dir } => {
                msg!("verify-unsigned", path = dir.clone(), file = SIGNATURE_FILE)
            }
            Problem::Malformed { why } => {
                msg!("verify-malformed", file = SIGNATURE_FILE, why = why.clone())
            }
            Problem::WrongKey { signed_by, given } => msg!(
                "verify-wrong-key",
                signed = crate::i18n::Arg::any_of(signed_by),
                given = crate::i18n::Arg::any_of(given)
            ),
            Problem::BadSignature { kid } => {
                msg!(
                    "verify-bad-signature",
                    kid = kid.clone(),
                    file = SIGNATURE_FILE
                )
            }
            Problem::Changed { path } => msg!("verify-changed", path = path.clone()),
            Problem::Added { path } => msg!("verify-added", path = path.clone()),
            Problem::Removed { path } => msg!("verify-removed", path = path.clone()),
            Problem::NotRegular { path, why } => {
                msg!("verify-refused", path = path.clone(), why = Msg::new(why))
            }
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message())
    }
}

fn malformed(m: Msg) -> Problem {
    Problem::Malformed { why: m.to_string() }
}

/// Read and check the shape of a folder's signature file.
pub fn read_signature_file(dir: &Path) -> Result<SignatureFile, Problem> {
    let path = dir.join(SIGNATURE_FILE);
    let meta = match path.symlink_metadata() {
        Ok(m) => m,
        Err(_) => {
            return Err(Problem::Unsigned {
                dir: dir.display().to_string(),
            });
        }
    };
    if !meta.file_type().is_file() {
        return Err(malformed(msg!("verify-why-not-file")));
    }
    let mut text = String::new();
    std::fs::File::open(&path)
        .and_then(|f| f.take(64 << 20).read_to_string(&mut text))
        .map_err(|e| malformed(msg!("verify-why-read", error = e.to_string())))?;
    let file: SignatureFile = serde_json::from_str(&text)
        .map_err(|e| malformed(msg!("verify-why-json", error = e.to_string())))?;
    if file.format != FORMAT {
        return Err(malformed(msg!(
            "verify-why-format",
            format = file.format.clone(),
            want = FORMAT
        )));
    }
    for fh in &file.files {
        if !safe_path(&fh.path) {
            return Err(malformed(msg!(
                "verify-why-unsafe-path",
                path = fh.path.escape_debug().to_string()
            )));
        }
        if fh.sha256.len() != 64
            || !fh
                .sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(malformed(msg!("verify-why-hash", path = fh.path.clone())));
        }
    }
    for w in file.files.windows(2) {
        if w[0].path >= w[1].path {
            return Err(malformed(msg!(
                "verify-why-unsorted",
                path = w[1].path.clone()
            )));
        }
    }
    if file.signatures.is_empty() {
        return Err(malformed(msg!("verify-why-no-signature")));
    }
    Ok(file)
}

/// Check that the signature file carries a valid signature by one of `keys`; returns the
/// signer's kid. Nothing else in the file is trusted before this holds.
fn authenticate(file: &SignatureFile, keys: &[PublicKey]) -> Result<String, Problem> {
    let msg = message(&file.files);
    let given: Vec<String> = keys.iter().map(PublicKey::kid).collect();
    let mut bad = None;
    for s in &file.signatures {
        for (k, kid) in keys.iter().zip(&given) {
            if &s.kid != kid || k.kind() != KeyKind::Ed25519 {
                continue;
            }
            let ok = s.alg == ALG
                && base64::engine::general_purpose::STANDARD
                    .decode(&s.sig)
                    .is_ok_and(|sig| k.verifies(&msg, &sig));
            if ok {
                return Ok(kid.clone());
            }
            bad.get_or_insert_with(|| s.kid.clone());
        }
    }
    Err(match bad {
        Some(kid) => Problem::BadSignature { kid },
        None => Problem::WrongKey {
            signed_by: file.signatures.iter().map(|s| s.kid.clone()).collect(),
            given,
        },
    })
}

/// The outcome of verifying a folder.
#[derive(Debug, Serialize)]
pub struct Verified {
    /// The key that signed (when a signature verified).
    pub kid: Option<String>,
    /// How many files the signature lists.
    pub files: usize,
    /// Everything that is not as signed; empty when the folder verifies.
    pub problems: Vec<Problem>,
}

impl Verified {
    /// The folder is exactly as signed, by one of the keys given.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// `mamoru verify DIR --key K...`: a valid signature by one of the keys, then every file as
/// signed (changed, added and removed files all reported). I/O errors on the folder itself are
/// errors; everything else is a [`Problem`].
pub fn verify(dir: &Path, keys: &[PublicKey]) -> Result<Verified, Error> {
    if !dir.is_dir() {
        return Err(Error::NotAFolder(dir.to_path_buf()));
    }
    let fail = |p: Problem| Verified {
        kid: None,
        files: 0,
        problems: vec![p],
    };
    let file = match read_signature_file(dir) {
        Ok(f) => f,
        Err(p) => return Ok(fail(p)),
    };
    let kid = match authenticate(&file, keys) {
        Ok(k) => k,
        Err(p) => return Ok(fail(p)),
    };
    let w = walk(dir)?;
    let mut problems: Vec<Problem> = w
        .refused
        .into_iter()
        .map(|(path, why)| Problem::NotRegular { path, why })
        .collect();
    let refused: Vec<String> = problems
        .iter()
        .filter_map(|p| match p {
            Problem::NotRegular { path, .. } => Some(path.clone()),
            _ => None,
        })
        .collect();
    let (signed, found) = (&file.files, &w.files);
    let (mut i, mut j) = (0, 0);
    loop {
        match (signed.get(i), found.get(j)) {
            (None, None) => break,
            (Some(s), Some(f)) if s.path == f.path => {
                if s.sha256 != f.sha256 {
                    problems.push(Problem::Changed {
                        path: s.path.clone(),
                    });
                }
                i += 1;
                j += 1;
            }
            (None, Some(f)) => {
                problems.push(Problem::Added {
                    path: f.path.clone(),
                });
                j += 1;
            }
            (Some(s), Some(f)) if f.path < s.path => {
                problems.push(Problem::Added {
                    path: f.path.clone(),
                });
                j += 1;
            }
            (Some(s), _) => {
                // A symlink in a signed file's place is reported once, as refused.
                if !refused.contains(&s.path) {
                    problems.push(Problem::Removed {
                        path: s.path.clone(),
                    });
                }
                i += 1;
            }
        }
    }
    Ok(Verified {
        kid: Some(kid),
        files: file.files.len(),
        problems,
    })
}

/// Read one file of a signed folder and check it against a signature by one of `keys`: the
/// bytes returned are the bytes verified (read once, so they cannot change in between). For
/// `classify --verify-with` and other consumers of a single published file (`review`).
pub fn read_verified(
    file: &Path,
    keys: &[PublicKey],
    max_bytes: u64,
) -> Result<Result<Vec<u8>, Problem>, Error> {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
        return Err(Error::NotAFolder(file.to_path_buf()));
    };
    let sigs = match read_signature_file(&dir) {
        Ok(f) => f,
        Err(p) => return Ok(Err(p)),
    };
    if let Err(p) = authenticate(&sigs, keys) {
        return Ok(Err(p));
    }
    let meta = file.symlink_metadata().map_err(io(file))?;
    if !meta.file_type().is_file() {
        return Ok(Err(Problem::NotRegular {
            path: name.into(),
            why: "sign-why-symlink",
        }));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(max_bytes.saturating_add(1)).read_to_end(&mut bytes))
        .map_err(io(file))?;
    if bytes.len() as u64 > max_bytes {
        return Err(Error::Io {
            path: file.to_path_buf(),
            error: std::io::Error::other(format!("larger than {max_bytes} bytes")),
        });
    }
    let Some(listed) = sigs.files.iter().find(|f| f.path == name) else {
        return Ok(Err(Problem::Added { path: name.into() }));
    };
    if listed.sha256 != hex(&Sha256::digest(&bytes)) {
        return Ok(Err(Problem::Changed { path: name.into() }));
    }
    Ok(Ok(bytes))
}

/// `check --verify-with`: `None` when the upstream folder is exactly as signed by one of the
/// keys, else the diagnostic that refuses it (listing every difference).
pub fn check_upstream(
    dir: &Path,
    shown: &str,
    keys: &[PublicKey],
) -> Option<crate::diag::Diagnostic> {
    use crate::diag::{Code, Diagnostic};
    let problems = match verify(dir, keys) {
        Ok(v) if v.ok() => return None,
        Ok(v) => v.problems,
        Err(e) => {
            return Some(Diagnostic::new(
                Code::UpstreamSignature,
                msg!("upstream-unverifiable", path = shown, error = e.message()),
            ));
        }
    };
    let mut d = Diagnostic::new(
        Code::UpstreamSignature,
        msg!(
            "upstream-not-as-signed",
            path = shown,
            count = problems.len()
        ),
    )
    .hint(msg!(
        "upstream-not-as-signed-hint",
        path = dir.display().to_string()
    ));
    for p in problems.iter().take(20) {
        d = d.note(p.message());
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_is_sha256sum_lines_after_the_format() {
        let m = message(&[
            FileHash {
                path: "a.txt".into(),
                sha256: "00".repeat(32),
            },
            FileHash {
                path: "b/c.json".into(),
                sha256: "ff".repeat(32),
            },
        ]);
        let text = String::from_utf8(m).unwrap();
        assert_eq!(
            text,
            format!(
                "{FORMAT}\n{}  a.txt\n{}  b/c.json\n",
                "00".repeat(32),
                "ff".repeat(32)
            )
        );
    }

    #[test]
    fn unsafe_paths_are_refused() {
        for p in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "./a",
            "a\\b",
            "a\nb",
            SIGNATURE_FILE,
        ] {
            assert!(!safe_path(p), "{p:?}");
        }
        for p in ["bundle.json", "assets/style.css", ".manifest", "a/.b/c"] {
            assert!(safe_path(p), "{p:?}");
        }
    }

    #[test]
    fn keys_round_trip_through_pem_and_sign() {
        for kind in [KeyKind::Ed25519, KeyKind::P256] {
            let k = SecretKey::generate(kind).unwrap();
            let pem = k.to_pem().unwrap();
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("k.key"), &pem).unwrap();
            std::fs::write(dir.path().join("k.pub"), k.public().to_pem()).unwrap();
            let back = read_secret(&dir.path().join("k.key")).unwrap();
            let public = read_public(&dir.path().join("k.pub")).unwrap();
            assert_eq!(back.public(), public);
            assert_eq!(public.kid().len(), 16);
            let sig = back.sign(b"hello");
            assert!(public.verifies(b"hello", &sig));
            assert!(!public.verifies(b"hellO", &sig));
        }
    }
}
