-- Showback (SQLite). Keep in step with migrations/postgres/0003_showback.sql.

-- Monthly rollup of usage_record, kept in step by Store::upsert_usage inside the same
-- transaction as the records it sums. Dashboards read whole months here and only the partial
-- months at a range's edges from usage_record. `records` counts the rows summed.
create table usage_month (
    org_name    text not null references org (org_name) on delete cascade,
    month       text not null,
    service     text not null,
    resource    text not null,
    currency    text not null,
    cost_micros integer not null,
    records     integer not null,
    primary key (org_name, month, service, resource, currency)
);

create index usage_month_month on usage_month (month);

insert into usage_month (org_name, month, service, resource, currency, cost_micros, records)
select org_name, substr(day, 1, 7), service, resource, currency, sum(cost_micros), count(*)
from usage_record group by org_name, substr(day, 1, 7), service, resource, currency;

-- Coarser rollups for provider-wide reports: per org and month, and per service and month
-- across orgs. Kept in step with usage_month by the same writes.
create table usage_org_month (
    org_name    text not null references org (org_name) on delete cascade,
    month       text not null,
    currency    text not null,
    cost_micros integer not null,
    records     integer not null,
    primary key (org_name, month, currency)
);

create index usage_org_month_month on usage_org_month (month);

insert into usage_org_month (org_name, month, currency, cost_micros, records)
select org_name, substr(day, 1, 7), currency, sum(cost_micros), count(*)
from usage_record group by org_name, substr(day, 1, 7), currency;

create table usage_service_month (
    month       text not null,
    service     text not null,
    currency    text not null,
    cost_micros integer not null,
    records     integer not null,
    primary key (month, service, currency)
);

insert into usage_service_month (month, service, currency, cost_micros, records)
select substr(day, 1, 7), service, currency, sum(cost_micros), count(*)
from usage_record group by substr(day, 1, 7), service, currency;

-- One row that every usage writer updates first: it serialises writers (a row lock in
-- PostgreSQL, the write lock in SQLite) so that rollup deltas never race.
create table usage_write_lock (
    lock_id    integer primary key,
    generation integer not null
);

insert into usage_write_lock (lock_id, generation) values (1, 0);

-- Prices per service and unit. org_name '' is the provider's card (no foreign key then);
-- any other value is that org's override. A price applies from effective_from (YYYY-MM-DD)
-- until the next entry of the same key; stored costs are never recomputed.
-- unit_price_nanos: billionths of a currency unit per unit of quantity.
create table rate_card (
    rate_id          text primary key,
    org_name         text not null,
    service          text not null,
    unit             text not null,
    unit_price_nanos integer not null,
    currency         text not null,
    effective_from   text not null,
    created_at       integer not null,
    updated_at       integer not null,
    constraint rate_card_key unique (org_name, service, unit, effective_from)
);

-- thresholds: comma-separated percentages, ascending (e.g. "50,80,100").
create table showback_budget (
    org_name      text primary key references org (org_name) on delete cascade,
    amount_micros integer not null,
    currency      text not null,
    thresholds    text not null,
    updated_at    integer not null
);

-- A collector: where usage comes from (config_json holds its source) and when it runs
-- (schedule: "every 15m" or a five-field cron expression, UTC).
create table showback_collector (
    collector_id text primary key,
    name         text not null,
    kind         text not null,
    schedule     text not null,
    enabled      integer not null,
    config_json  text not null,
    created_at   integer not null,
    updated_at   integer not null,
    constraint showback_collector_name_key unique (name)
);

-- errors_json: the first errors of the run, as [{line?, field?, reason}].
create table showback_collector_run (
    run_id       text primary key,
    collector_id text not null references showback_collector (collector_id) on delete cascade,
    trigger_kind text not null,
    status       text not null,
    started_at   integer not null,
    finished_at  integer,
    imported     integer not null default 0,
    replaced     integer not null default 0,
    unchanged    integer not null default 0,
    skipped      integer not null default 0,
    errors_json  text not null default '[]',
    message      text
);

create index showback_collector_run_collector on showback_collector_run (collector_id, started_at);

-- Leases keep one run of a collector at a time across replicas: a holder owns a lease until
-- expires_at (epoch ms) and renews it while it works.
create table showback_lease (
    lease_name text primary key,
    holder     text not null,
    expires_at integer not null
);

-- Internal metering of function invocations runs hourly out of the box.
insert into showback_collector (collector_id, name, kind, schedule, enabled, config_json, created_at, updated_at)
values ('col_metering', 'metering', 'metering', 'every 1h', 1, '{"kind":"metering","lookback_days":3}', 0, 0);
