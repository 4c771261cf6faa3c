-- Foundation schema (PostgreSQL). Keep in step with migrations/sqlite/0001_foundation.sql.
-- Timestamps are epoch milliseconds; money and quantities are integer micro-units.

create table org (
    org_name     text primary key,
    display_name text not null,
    created_at   bigint not null
);

-- Tokens are stored only as SHA-256 hashes of the secret shown once at creation.
-- A provider token has no org; a tenant-admin token has exactly one.
create table api_token (
    token_id     text primary key,
    token_hash   text not null unique,
    name         text not null,
    role         text not null check (role in ('provider', 'tenant-admin')),
    org_name     text references org (org_name) on delete cascade,
    created_at   bigint not null,
    revoked_at   bigint,
    check ((role = 'provider' and org_name is null) or (role = 'tenant-admin' and org_name is not null))
);

-- A function's listing row; its versions and code arrive with the functions feature.
create table tenant_function (
    org_name   text not null references org (org_name) on delete cascade,
    name       text not null,
    runtime    text not null,
    route      text not null,
    status     text not null,
    version    bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (org_name, name),
    unique (org_name, route)
);

create table autoscale_rule (
    rule_id     text primary key,
    org_name    text not null references org (org_name) on delete cascade,
    name        text not null,
    vapp        text not null,
    enabled     bigint not null default 1,
    current_vms bigint not null default 0,
    min_vms     bigint not null,
    max_vms     bigint not null,
    last_action text,
    created_at  bigint not null,
    updated_at  bigint not null,
    unique (org_name, name)
);

-- One row per natural key: importing the same record again replaces it.
create table usage_record (
    source          text not null,
    org_name        text not null references org (org_name) on delete cascade,
    day             text not null,
    service         text not null,
    resource        text not null,
    quantity_micros bigint not null,
    unit            text not null,
    cost_micros     bigint not null,
    currency        text not null,
    primary key (source, org_name, day, service, resource)
);

create index usage_record_org_day on usage_record (org_name, day);
create index usage_record_day on usage_record (day);
