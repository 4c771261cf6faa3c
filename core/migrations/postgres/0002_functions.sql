-- Functions (PostgreSQL). Keep in step with migrations/sqlite/0002_functions.sql.
-- The foundation's listing-only table held no rows; it is replaced by the full definition.
drop table tenant_function;

-- A function: the mutable head of a chain of immutable versions.
create table tenant_function (
    org_name       text not null references org (org_name) on delete cascade,
    name           text not null,
    runtime        text not null,
    route          text not null,
    -- Status of the latest version: initializing, ready or failed.
    status         text not null,
    latest_version bigint not null,
    -- The version that serves calls; null until one is ready.
    active_version bigint,
    created_at     bigint not null,
    updated_at     bigint not null,
    primary key (org_name, name),
    constraint tenant_function_route_key unique (org_name, route)
);

-- Everything a call depends on is frozen in its version, so a rollback restores it all.
-- Secrets are stored here because the sandbox needs their values; the API never returns them.
create table function_version (
    org_name      text not null,
    name          text not null,
    version       bigint not null,
    code          text not null,
    trigger_json  text not null,
    memory_mb     bigint not null,
    timeout_ms    bigint not null,
    env_json      text not null,
    secrets_json  text not null,
    fresh_context bigint not null,
    status        text not null,
    shape         text,
    bytecode      bytea,
    error_message text,
    error_line    bigint,
    error_column  bigint,
    created_at    bigint not null,
    primary key (org_name, name, version),
    foreign key (org_name, name) references tenant_function (org_name, name) on delete cascade
);

create index function_version_status on function_version (status);

-- One row per call. Sync calls are written in batches; async calls are written at once so
-- that they can be polled.
create table invocation (
    invocation_id text primary key,
    org_name      text not null,
    function_name text not null,
    version       bigint not null,
    trigger_kind  text not null,
    status        text not null,
    started_at    bigint not null,
    duration_us   bigint,
    http_status   bigint,
    error_code    text,
    error_message text,
    memory_used   bigint,
    cold_start    bigint not null default 0,
    log_tail      text not null default '',
    response_json text
);

create index invocation_function on invocation (org_name, function_name, started_at);

-- The provider's ceilings per org; an org without a row gets the built-in defaults.
create table org_limits (
    org_name    text primary key references org (org_name) on delete cascade,
    limits_json text not null,
    updated_at  bigint not null
);
