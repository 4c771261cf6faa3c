-- Functions (SQLite). Keep in step with migrations/postgres/0002_functions.sql.
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
    latest_version integer not null,
    -- The version that serves calls; null until one is ready.
    active_version integer,
    created_at     integer not null,
    updated_at     integer not null,
    primary key (org_name, name),
    constraint tenant_function_route_key unique (org_name, route)
);

-- Everything a call depends on is frozen in its version, so a rollback restores it all.
-- Secrets are stored here because the sandbox needs their values; the API never returns them.
create table function_version (
    org_name      text not null,
    name          text not null,
    version       integer not null,
    code          text not null,
    trigger_json  text not null,
    memory_mb     integer not null,
    timeout_ms    integer not null,
    env_json      text not null,
    secrets_json  text not null,
    fresh_context integer not null,
    status        text not null,
    shape         text,
    bytecode      blob,
    error_message text,
    error_line    integer,
    error_column  integer,
    created_at    integer not null,
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
    version       integer not null,
    trigger_kind  text not null,
    status        text not null,
    started_at    integer not null,
    duration_us   integer,
    http_status   integer,
    error_code    text,
    error_message text,
    memory_used   integer,
    cold_start    integer not null default 0,
    log_tail      text not null default '',
    response_json text
);

create index invocation_function on invocation (org_name, function_name, started_at);

-- The provider's ceilings per org; an org without a row gets the built-in defaults.
create table org_limits (
    org_name    text primary key references org (org_name) on delete cascade,
    limits_json text not null,
    updated_at  integer not null
);
