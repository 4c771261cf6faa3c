//! The `stratus` command line: tokens and migrations.

use harness::process::run_stratus;
use stratus_core::store::Store;
use stratus_core::testing::StoreAccess as _;
use stratus_core::tokens;

#[tokio::test]
async fn token_create_prints_only_the_token_and_list_and_revoke_manage_it() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let out = run_stratus(&["token", "create", "--org", "acme", "--role", "tenant-admin", "--data-dir", data_dir], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let secret = stdout.trim_end();
    assert_eq!(stdout.lines().count(), 1, "stdout holds the token alone: {stdout:?}");
    assert!(secret.starts_with(tokens::TOKEN_PREFIX));

    let store = Store::connect(&stratus::config::sqlite_url(&dir.path().join("stratus.db"))).await.unwrap();
    let row = store.find_active_token(&tokens::hash(secret)).await.unwrap().expect("the token is stored by its hash");
    assert_eq!((row.role.as_str(), row.org.as_deref()), ("tenant-admin", Some("acme")));
    assert!(store.find_org("acme").await.unwrap().is_some(), "the org was created");
    store.close().await;

    let list = run_stratus(&["token", "list", "--data-dir", data_dir], &[]);
    let listing = String::from_utf8(list.stdout).unwrap();
    assert!(listing.contains(&row.token_id) && listing.contains("active"), "{listing}");
    assert!(!listing.contains(secret), "list never shows secrets");

    let revoke = run_stratus(&["token", "revoke", &row.token_id, "--data-dir", data_dir], &[]);
    assert!(revoke.status.success());
    let again = run_stratus(&["token", "revoke", &row.token_id, "--data-dir", data_dir], &[]);
    assert!(!again.status.success(), "revoking twice fails");
    let listing = String::from_utf8(run_stratus(&["token", "list", "--data-dir", data_dir], &[]).stdout).unwrap();
    assert!(listing.contains("revoked"), "{listing}");
}

#[test]
fn token_create_refuses_bad_arguments_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    for (args, message) in [
        (vec!["token", "create", "--role", "admin", "--data-dir", data_dir], "--role must be"),
        (vec!["token", "create", "--role", "tenant-admin", "--data-dir", data_dir], "needs --org"),
        (vec!["token", "create", "--org", "acme", "--role", "provider", "--data-dir", data_dir], "leave out --org"),
        (vec!["token", "create", "--org", "a/b", "--role", "tenant-admin", "--data-dir", data_dir], "--org 'a/b'"),
    ] {
        let out = run_stratus(&args, &[]);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[tokio::test]
async fn migrate_works_on_postgres_from_the_environment() {
    let (url, _name) = harness::fresh_postgres_database().await;
    let out = run_stratus(&["migrate"], &[("DATABASE_URL", &url)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let store = Store::connect(&url).await.unwrap();
    assert!(store.list_orgs().await.unwrap().is_empty());
    store.close().await;
}
