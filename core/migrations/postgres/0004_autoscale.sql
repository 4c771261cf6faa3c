-- Autoscale: rules, their signals, evaluations, and the journal of scaling actions.
-- The foundation's placeholder rule table never held data; it is replaced.
drop table autoscale_rule;

create table autoscale_rule (
    rule_id         text primary key,
    org_name        text not null references org (org_name) on delete cascade,
    name            text not null,
    -- The RuleSpec as JSON; the columns below copy what queries filter on.
    spec_json       text not null,
    targets_json    text not null,
    -- Lower-cased vROps resource id or name that alerts for this rule are raised on.
    vrops_resource  text not null,
    secret_hash     text not null,
    enabled         bigint not null,
    current_vms     bigint,
    created_at      bigint not null,
    updated_at      bigint not null,
    unique (org_name, name)
);

create index autoscale_rule_vrops on autoscale_rule (vrops_resource);

-- Pushed metrics: the newest sample per rule is what the engine reads.
create table autoscale_sample (
    rule_id   text not null references autoscale_rule (rule_id) on delete cascade,
    at        bigint not null,
    cpu       double precision,
    memory    double precision,
    received  bigint not null
);

create index autoscale_sample_rule on autoscale_sample (rule_id, at);

-- vROps alerts: one row per alert, updated in place; an active alert is a reading.
create table autoscale_alert (
    rule_id     text not null references autoscale_rule (rule_id) on delete cascade,
    alert_id    text not null,
    metric      text not null,
    level       text not null,
    active      bigint not null,
    status      text not null,
    update_date bigint not null,
    received    bigint not null,
    primary key (rule_id, alert_id)
);

-- Scaling actions. At most one running (or rolling back) per rule: the partial unique index
-- makes a second start fail in the database, on every replica.
create table autoscale_action (
    action_id   text primary key,
    rule_id     text not null references autoscale_rule (rule_id) on delete cascade,
    org_name    text not null,
    direction   text not null,
    status      text not null,
    from_vms    bigint not null,
    to_vms      bigint not null,
    started_at  bigint not null,
    finished_at bigint,
    error       text
);

create unique index autoscale_action_one_active on autoscale_action (rule_id)
    where status in ('running', 'rolling_back');
create index autoscale_action_rule on autoscale_action (rule_id, started_at);

-- The journal: every step is written before it runs and updated when it ends.
create table autoscale_step (
    action_id  text not null references autoscale_action (action_id) on delete cascade,
    seq        bigint not null,
    step       text not null,
    vm_name    text not null,
    vm_id      text,
    state      text not null,
    detail     text,
    updated_at bigint not null,
    primary key (action_id, seq)
);

-- The timeline: signals, decisions (with the recommendation the stabilization window reads),
-- action and step outcomes.
create table autoscale_event (
    event_id   bigserial primary key,
    rule_id    text not null references autoscale_rule (rule_id) on delete cascade,
    at         bigint not null,
    kind       text not null,
    message    text not null,
    action_id  text,
    vm_count   bigint,
    desired    bigint
);

create index autoscale_event_rule on autoscale_event (rule_id, event_id);
create index autoscale_event_rule_at on autoscale_event (rule_id, at);
