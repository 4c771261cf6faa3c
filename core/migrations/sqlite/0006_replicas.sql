-- Replicas and durable async work (SQLite). Keep in step with migrations/postgres/0006_replicas.sql.

-- Every running `stratus serve` process, with its heartbeat. A replica whose heartbeat is older
-- than five beats is dead: the work it leased is taken over, and caps are shared among the others.
create table replica (
    replica_id   text primary key,
    started_at   integer not null,
    heartbeat_at integer not null
);

-- The durable queue of async HTTP invocations (`Prefer: respond-async`). The invocation row is
-- the tenant's record; this row is the work. status: queued (waits for next_attempt_at),
-- running (leased by lease_owner until lease_until), done, or dead (out of attempts).
create table async_job (
    invocation_id   text primary key,
    org_name        text not null,
    route           text not null,
    -- The request as the gateway received it (api-types free JSON: method, path, query,
    -- headers, body in base64).
    request_json    text not null,
    status          text not null,
    attempts        integer not null default 0,
    next_attempt_at integer not null,
    lease_owner     text,
    lease_until     integer,
    last_error      text,
    created_at      integer not null,
    updated_at      integer not null
);

create index async_job_due on async_job (status, next_attempt_at);

-- How many attempts an invocation took (async invocations are retried).
alter table invocation add column attempts integer not null default 1;

-- The replica running a delivery's attempt: when it dies, the delivery is taken over at once
-- instead of at the end of its lease.
alter table event_delivery add column lease_owner text;

-- Replies of vCD API-extension requests that came over AMQP, by request id, shared by every
-- replica: a request redelivered to another replica is answered with the stored reply.
create table amqp_reply (
    request_id  text primary key,
    reply       blob not null,
    created_at  integer not null
);

create index amqp_reply_created on amqp_reply (created_at);

-- Bumped by writes made outside a running replica (the `stratus token revoke` command): every
-- replica compares it on each heartbeat and empties its caches when it moved. On PostgreSQL
-- the change is also announced at once; on SQLite this is how another process learns of it.
create table change_epoch (
    id    integer primary key,
    epoch integer not null
);

insert into change_epoch (id, epoch) values (1, 0);

-- Who may call a function over HTTP (org, keys or public), per version like the rest of its
-- definition.
alter table function_version add column access text not null default 'org';

-- Keys that may call one function (access `keys`), by the SHA-256 of the secret.
create table function_key (
    key_id        text primary key,
    org_name      text not null,
    function_name text not null,
    name          text not null,
    key_hash      text not null unique,
    created_at    integer not null,
    foreign key (org_name, function_name) references tenant_function (org_name, name) on delete cascade
);

create index function_key_function on function_key (org_name, function_name);
