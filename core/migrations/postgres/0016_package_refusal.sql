-- Content packages (postgres): imports refused at verification (a file that differs from the
-- manifest, an untrusted, revoked or expired signer, too few signatures, an unsafe archive…).
-- Nothing of such a package is stored, only this record of it, per org ('' for the provider's
-- imports); the newest 100 of each are kept. Keep in step with
-- migrations/sqlite/0016_package_refusal.sql.
create table package_refusal (
    refusal_id     text primary key,
    org_name       text not null,
    archive_sha256 text not null,
    archive_bytes  bigint not null,
    reasons_json   text not null,
    created_at     bigint not null
);
create index package_refusal_scope on package_refusal (org_name, created_at);
