-- Content packages (postgres): the keys this instance trusts to sign them. Keep in step with
-- migrations/sqlite/0009_package_trust.sql.

-- A trusted Ed25519 public key (package's TrustedKey): who signs with it, which orgs it may
-- sign for (a JSON list; empty: any), until when, and whether it was revoked.
create table package_key (
    key_id      text primary key,
    principal   text not null,
    public_key  text not null unique,
    orgs_json   text not null,
    expires_at  bigint,
    revoked_at  bigint,
    created_at  bigint not null
);
