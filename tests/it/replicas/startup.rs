//! Three replicas started at the same moment on a fresh PostgreSQL database: one of them
//! applies the migrations (sqlx holds an advisory lock meanwhile), the others wait for it, and
//! all three come up and serve.

use harness::Db;
use harness::replicas::{ORG, Replicas};
use sqlx::Row as _;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_together_migrate_once_and_all_serve() {
    let r = Replicas::start(Db::Postgres, 3, &[]).await;
    for i in 0..3 {
        let (status, body) = r.readyz(i).await;
        assert_eq!(status, 200, "replica {i}: {body}\n{}", r.logs(i));
        let url = r.url(i, &format!("/api/org/{ORG}/functions"));
        let response = r.client.get(url).bearer_auth(&r.token).send().await.expect("GET functions");
        assert_eq!(response.status(), 200, "replica {i}");
    }

    let dir = harness::workspace_root().join("core/migrations/postgres");
    let files = std::fs::read_dir(&dir).expect("the migrations").flatten();
    let migrations = files.filter(|f| f.path().extension().is_some_and(|e| e == "sql")).count();
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&r.database_url).await.expect("connect");
    let sql = "select count(*) as applied, count(distinct version) as versions, \
               cast(sum(case when success then 1 else 0 end) as bigint) as succeeded from _sqlx_migrations";
    let row = sqlx::query(sql).fetch_one(&pool).await.expect("read _sqlx_migrations");
    let counts: Vec<i64> = ["applied", "versions", "succeeded"].iter().map(|c| row.get::<i64, _>(*c)).collect();
    let expected = i64::try_from(migrations).unwrap();
    assert_eq!(counts, [expected; 3], "each migration applied once, successfully");
    pool.close().await;
    r.shutdown().await;
}
