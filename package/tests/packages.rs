//! Packages end to end without a server: sealing, signing, the two forms, and every bad input
//! an importer must survive.

use std::collections::BTreeMap;
use std::io::Write as _;

use package::{
    Caps, Element, ElementKind, Files, Package, PackageError, PackageKind, Policy, Refusal, SigningKey, TrustedKey,
    verify,
};

const NOW: i64 = 1_800_000_000_000;

fn content() -> Files {
    BTreeMap::from([
        ("functions/hello/function.json".to_owned(), b"{\n  \"route\": \"hello\"\n}\n".to_vec()),
        ("functions/hello/code/index.js".to_owned(), b"module.exports = async () => 'hi';\n".to_vec()),
        ("functions/hello/code/lib/util.js".to_owned(), b"exports.x = 1;\n".to_vec()),
    ])
}

fn element() -> Element {
    Element {
        kind: ElementKind::Function,
        name: "hello".into(),
        path: "functions/hello".into(),
        requires: Vec::new(),
        reason: None,
        locked: false,
    }
}

fn sealed() -> Package {
    Package::seal(PackageKind::Tenant, "acme functions", vec![element()], content()).unwrap()
}

fn trusted(key: &SigningKey, principal: &str) -> TrustedKey {
    TrustedKey::new(principal, &key.public_key()).unwrap()
}

const ENFORCE: Policy = Policy::Enforce { min_signatures: 1 };

#[test]
fn the_archive_is_deterministic_and_survives_expand_and_rebuild_with_its_signature() {
    let author = SigningKey::generate();
    let mut package = sealed();
    package.sign(&author).unwrap();
    let archive = package.to_archive().unwrap();
    assert_eq!(archive, sealed_and_signed_again(&author).to_archive().unwrap(), "same files, same bytes");

    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("pkg");
    Package::from_archive(&archive, Caps::default()).unwrap().write_folder(&folder).unwrap();
    std::fs::create_dir_all(folder.join(".git")).unwrap();
    std::fs::write(folder.join(".git/HEAD"), "ref: main").unwrap();
    let rebuilt = Package::read_folder(&folder).unwrap();
    assert_eq!(rebuilt.to_archive().unwrap(), archive, "expand → build gives the same bytes");
    let manifest_text = std::fs::read_to_string(folder.join(package::MANIFEST)).unwrap();
    assert!(manifest_text.ends_with("}\n") && !manifest_text.contains('\r'));
    let keys: Vec<&str> = manifest_text.lines().filter(|l| l.starts_with("  \"")).collect();
    assert_eq!(
        keys,
        [
            "  \"elements\": [",
            "  \"files\": {",
            "  \"format\": 1,",
            "  \"kind\": \"tenant\",",
            "  \"name\": \"acme functions\""
        ]
    );

    let verified = verify(&rebuilt, &[trusted(&author, "alice@dev")], Some("acme"), NOW, ENFORCE).unwrap();
    assert_eq!(verified.signers[0].principal, "alice@dev");
    assert_eq!(verified.manifest.elements, [element()]);
}

fn sealed_and_signed_again(key: &SigningKey) -> Package {
    let mut package = sealed();
    package.sign(key).unwrap();
    package
}

#[test]
fn changed_missing_and_unlisted_files_are_refused_whatever_the_policy() {
    let mut files = sealed().files().clone();
    files.get_mut("functions/hello/code/index.js").unwrap()[0] ^= 1;
    let flipped = Package::from_files(files).unwrap();
    assert_eq!(
        verify(&flipped, &[], None, NOW, Policy::Off).unwrap_err(),
        [Refusal::Changed("functions/hello/code/index.js".into())]
    );

    let mut files = sealed().files().clone();
    files.remove("functions/hello/code/lib/util.js");
    files.insert("functions/hello/code/extra.js".into(), b"x".to_vec());
    let refusals = verify(&Package::from_files(files).unwrap(), &[], None, NOW, Policy::Off).unwrap_err();
    assert_eq!(
        refusals,
        [
            Refusal::Missing("functions/hello/code/lib/util.js".into()),
            Refusal::Unlisted("functions/hello/code/extra.js".into())
        ]
    );
}

#[test]
fn a_manifest_edited_after_signing_fails_its_signature() {
    let author = SigningKey::generate();
    let mut package = sealed();
    package.sign(&author).unwrap();
    let mut files = package.files().clone();
    let manifest =
        String::from_utf8(files[package::MANIFEST].clone()).unwrap().replace("acme functions", "evil functions");
    files.insert(package::MANIFEST.into(), manifest.into_bytes());
    let edited = Package::from_files(files).unwrap();
    let refusals = verify(&edited, &[trusted(&author, "alice")], None, NOW, Policy::Warn).unwrap_err();
    assert_eq!(refusals, [Refusal::BadSignature(author.id())]);
}

#[test]
fn signers_are_checked_against_the_trust_store() {
    let (author, approver, stranger) = (SigningKey::generate(), SigningKey::generate(), SigningKey::generate());
    let mut package = sealed();
    package.sign(&stranger).unwrap();
    let refused = verify(&package, &[trusted(&author, "alice")], Some("acme"), NOW, ENFORCE).unwrap_err();
    assert_eq!(refused, [Refusal::Untrusted(stranger.id()), Refusal::TooFewSignatures { valid: 0, required: 1 }]);
    let warned = verify(&package, &[], Some("acme"), NOW, Policy::Warn).unwrap();
    assert_eq!((warned.signers.len(), warned.warnings.clone()), (0, vec![Refusal::Untrusted(stranger.id())]));
    assert!(verify(&package, &[], Some("acme"), NOW, Policy::Off).is_ok());

    let mut package = sealed();
    package.sign(&author).unwrap();
    let mut revoked = trusted(&author, "alice");
    revoked.revoked = true;
    assert_eq!(
        verify(&package, &[revoked], None, NOW, ENFORCE).unwrap_err()[0],
        Refusal::Revoked { key: author.id(), principal: "alice".into() }
    );
    let mut expired = trusted(&author, "alice");
    expired.expires_at = Some(NOW - 1);
    assert!(matches!(verify(&package, &[expired], None, NOW, ENFORCE).unwrap_err()[0], Refusal::Expired { .. }));
    let mut scoped = trusted(&author, "alice");
    scoped.orgs = vec!["globex".into()];
    assert!(matches!(
        verify(&package, &[scoped.clone()], Some("acme"), NOW, ENFORCE).unwrap_err()[0],
        Refusal::OutOfScope { .. }
    ));
    assert!(verify(&package, &[scoped.clone()], Some("globex"), NOW, ENFORCE).is_ok());
    assert_eq!(
        verify(&package, &[scoped], None, NOW, ENFORCE).unwrap_err()[0],
        Refusal::OrgKeyOnProviderPackage { key: author.id(), principal: "alice".into() },
        "a key scoped to orgs does not sign provider packages"
    );

    // Author and approver: two signatures when the org asks for two.
    let two = Policy::Enforce { min_signatures: 2 };
    let trust = [trusted(&author, "alice"), trusted(&approver, "bob")];
    assert!(verify(&package, &trust, None, NOW, two).is_err());
    package.sign(&approver).unwrap();
    package.sign(&author).unwrap();
    let verified = verify(&package, &trust, None, NOW, two).unwrap();
    let mut principals: Vec<String> = verified.signers.into_iter().map(|s| s.principal).collect();
    principals.sort();
    assert_eq!(principals, ["alice", "bob"]);
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, bytes) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

#[test]
fn hostile_archives_are_refused_before_they_cost_anything() {
    let read = |bytes: Vec<u8>| Package::from_archive(&bytes, Caps::default()).unwrap_err();
    assert!(matches!(read(zip_of(&[("../evil.js", b"x")])), PackageError::UnsafePath(_)));
    assert!(matches!(read(zip_of(&[("/etc/passwd", b"x")])), PackageError::UnsafePath(_)));
    assert!(matches!(read(b"not a zip".to_vec()), PackageError::Malformed(_)));

    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer.add_symlink("link", "/etc/passwd", zip::write::SimpleFileOptions::default()).unwrap();
    let symlink = writer.finish().unwrap().into_inner();
    assert!(matches!(read(symlink), PackageError::UnsafePath(m) if m.contains("symbolic link")));

    let zeros = vec![0u8; 32 << 20];
    let bomb = zip_of(&[("functions/x/code/index.js", &zeros)]);
    assert!(bomb.len() < 1 << 20);
    assert!(matches!(read(bomb), PackageError::TooLarge(m) if m.contains("inflates")));
    let small = Caps { inflated_bytes: 1024, ratio: 1_000_000, ..Caps::default() };
    let big = zip_of(&[("a.js", &[b'a'; 4096])]);
    assert!(matches!(Package::from_archive(&big, small).unwrap_err(), PackageError::TooLarge(_)));
    let many = Caps { entries: 2, ..Caps::default() };
    let three = zip_of(&[("a", b"1"), ("b", b"2"), ("c", b"3")]);
    assert!(matches!(Package::from_archive(&three, many).unwrap_err(), PackageError::TooLarge(_)));
}

#[test]
fn duplicate_entries_are_refused() {
    // The zip writer refuses duplicates, so the second name is patched in the bytes.
    let mut bytes = zip_of(&[("a.js", b"1"), ("b.js", b"2")]);
    let positions: Vec<usize> = bytes.windows(4).enumerate().filter(|(_, w)| *w == b"b.js").map(|(i, _)| i).collect();
    for at in positions {
        bytes[at] = b'a';
    }
    let error = Package::from_archive(&bytes, Caps::default()).unwrap_err();
    assert!(matches!(&error, PackageError::UnsafePath(m) if m.contains("twice")), "{error:?}");
}

#[test]
fn signing_keys_round_trip_through_their_file() {
    let key = SigningKey::generate();
    let text = key.to_file();
    assert_eq!(SigningKey::from_file(&text).unwrap().id(), key.id());
    let other = SigningKey::generate();
    let mixed = text.replace(&key.public_key(), &other.public_key());
    assert!(SigningKey::from_file(&mixed).is_err());
    assert!(SigningKey::from_file("{}").is_err());
}

#[test]
fn a_folder_edited_in_git_is_pinned_again_and_must_be_signed_again() {
    let key = SigningKey::generate();
    let mut package = sealed();
    package.sign(&key).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("pkg");
    package.write_folder(&folder).unwrap();
    let mut same = Package::read_folder(&folder).unwrap();
    assert!(same.repin().unwrap().is_empty(), "nothing changed");
    assert_eq!(same.to_archive().unwrap(), package.to_archive().unwrap(), "signatures kept, same bytes");

    std::fs::write(folder.join("functions/hello/code/lib/util.js"), "exports.x = 2;\n").unwrap();
    std::fs::write(folder.join("functions/hello/code/extra.js"), "exports.y = 1;\n").unwrap();
    let mut edited = Package::read_folder(&folder).unwrap();
    let trust = [trusted(&key, "alice")];
    assert!(verify(&edited, &trust, None, NOW, Policy::Off).is_err(), "the old manifest pins other bytes");
    let changed = edited.repin().unwrap();
    assert_eq!(changed, ["functions/hello/code/extra.js", "functions/hello/code/lib/util.js"]);
    assert!(edited.signature_keys().unwrap().is_empty(), "signatures over the old manifest are dropped");
    assert!(verify(&edited, &trust, None, NOW, ENFORCE).is_err(), "unsigned now");
    edited.sign(&key).unwrap();
    assert_eq!(verify(&edited, &trust, None, NOW, ENFORCE).unwrap().signers.len(), 1);
    assert_eq!(edited.manifest().unwrap().elements, vec![element()], "the elements stay");
}
