-- Content packages (postgres): other Stratus instances this one pulls packages from (the seed's
-- "synchronize"), registered by the provider for the orgs it names (each pulls the org of the
-- same name there). The token is kept sealed to this instance's own
-- age key, never in clear. Keep in step with migrations/sqlite/0014_package_source.sql.
create table package_source (
    name         text primary key,
    url          text not null,
    token_sealed text not null,
    orgs_json    text not null,
    created_at   bigint not null
);
