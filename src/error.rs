//! The error of a command that cannot judge a policy at all: a usage or I/O problem (exit code
//! 2). Problems of the policy itself are `Diagnostic`s, never errors.

use crate::i18n::Msg;
use crate::msg;
use std::path::{Path, PathBuf};

/// A usage or I/O problem that stops a command before it can judge the policy (exit code 2).
/// Its text is rendered in the process language ([`crate::i18n::lang`]).
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    /// A usage error.
    #[error("{0}")]
    Usage(Msg),
    /// A file that could not be read or written.
    #[error("{}", msg!("cannot-io", action = Msg::new(.action), path = .path.display().to_string(), error = .source.to_string()))]
    Io {
        /// A catalogue id: `io-read`, `io-write`, `io-create`.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// An output folder refused or not written.
    #[error(transparent)]
    Publish(#[from] crate::publish::PublishError),
    /// A bundle that cannot be used.
    #[error("{}: {source}", .path.display())]
    Bundle {
        /// The bundle file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: crate::bundle::BundleError,
    },
    /// A key, a signature or a signed folder that cannot be used.
    #[error(transparent)]
    Sign(#[from] crate::sign::Error),
    /// A policy that cannot be exported to Open Policy Agent.
    #[error(transparent)]
    Opa(#[from] crate::emit::opa::OpaError),
    /// The reader of standard output went away (`| head`): stop quietly.
    #[error("{}", msg!("output-closed"))]
    OutputClosed,
}

impl Fatal {
    /// An I/O error as a `Fatal`, with what was being done (`io-read`, `io-write`, `io-create`).
    pub fn io<'a>(
        action: &'static str,
        path: &'a Path,
    ) -> impl FnOnce(std::io::Error) -> Fatal + 'a {
        move |source| Fatal::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}
