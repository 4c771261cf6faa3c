-- Provider packages (postgres): each apply or rollback of a provider package (rate cards, showback
-- collectors, per-org limits) into this instance, numbered on their own, and the signature
-- policy they are verified under. Keep in step with migrations/sqlite/0015_provider_package.sql.

-- The columns of package_release, org_name always '' (the provider's scope, no org).
create table provider_release (
    org_name      text not null default '' check (org_name = ''),
    number        bigint not null,
    package_name  text not null,
    digest        text not null,
    signers_json  text not null,
    elements_json text not null,
    rollback_of   bigint,
    created_at    bigint not null,
    primary key (org_name, number)
);

-- api-types PackagePolicy as JSON; without the row provider packages are checked under `warn`.
create table provider_package_policy (
    id          bigint primary key check (id = 1),
    policy_json text not null,
    updated_at  bigint not null
);
