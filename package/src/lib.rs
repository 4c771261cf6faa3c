//! Stratus content packages: how functions (and later autoscale rules and showback setup)
//! travel from one instance to another without being edited on the way.
//!
//! A package has two forms with one content:
//! * a **folder** made for git: one file per element, code as `.js` files, JSON with sorted
//!   keys and LF line ends, nothing machine-specific ([`Package::write_folder`],
//!   [`Package::read_folder`]);
//! * an **archive**, a deterministic zip of that folder: the same folder always builds the
//!   same bytes ([`Package::to_archive`]), and reading one back ([`Package::from_archive`])
//!   survives hostile input (size, entry-count and ratio caps, unsafe paths, symlinks,
//!   duplicates).
//!
//! [`MANIFEST`] pins every other file by SHA-256. [`SIGNATURES`] holds a detached DSSE
//! envelope: Ed25519 signatures over `PAE(payloadType, manifest bytes)`, so the payload type is
//! signed too and one package may carry several signatures (author and approver). Expanding
//! an archive and building it again keeps the signatures valid. [`verify`] checks the contents
//! against the manifest and the signatures against a trust store the importing instance
//! keeps: the signer shown is the trusted key's principal, never a name written in the package.

mod archive;
mod keys;
mod manifest;
mod package;
mod sealed;
mod verify;

pub use archive::Caps;
pub use keys::{KeyId, SigningKey, TrustedKey};
pub use manifest::{Element, ElementKind, Manifest, PackageKind};
pub use package::{Files, MANIFEST, Package, SIGNATURES};
pub use sealed::{InstanceKey, seal};
pub use verify::{Policy, Refusal, Signer, Verified, verify};

/// Why a package could not be read or written.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PackageError {
    /// The bytes or files are not a well-formed package (the message says where).
    #[error("{0}")]
    Malformed(String),
    /// Over one of the reader's caps (size, entries, compression ratio).
    #[error("{0}")]
    TooLarge(String),
    /// An entry whose path could escape the package (`..`, absolute), a symlink or a duplicate.
    #[error("{0}")]
    UnsafePath(String),
}
