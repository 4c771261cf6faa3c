-- Event triggers (SQLite). Keep in step with migrations/postgres/0005_event_delivery.sql.
-- One row per (function, vCD event): the durable queue of event-triggered calls, their retries
-- and the dead-letter list. The unique key turns a notification delivered twice into a no-op.
create table event_delivery (
    delivery_id     text primary key,
    org_name        text not null,
    function_name   text not null,
    -- vCD's eventId; with the function, what makes a delivery unique.
    event_id        text not null,
    -- Normalised with dots: com.vmware.vcloud.event.vm.create.
    event_type      text not null,
    -- The notification's JSON, as received; the function gets it as its request body.
    payload         text not null,
    -- pending (waits for next_attempt_at), running (next_attempt_at is the end of the runner's
    -- lease), succeeded or dead (out of attempts: the dead-letter list).
    status          text not null,
    attempts        integer not null default 0,
    next_attempt_at integer not null,
    last_error      text,
    -- The invocation of the latest attempt, in the function's history.
    invocation_id   text,
    created_at      integer not null,
    updated_at      integer not null,
    constraint event_delivery_event_key unique (org_name, function_name, event_id),
    foreign key (org_name, function_name) references tenant_function (org_name, name) on delete cascade
);

create index event_delivery_due on event_delivery (status, next_attempt_at);
create index event_delivery_function on event_delivery (org_name, function_name, created_at);
