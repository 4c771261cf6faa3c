-- Outbound requests of function code (postgres). Keep in step with migrations/sqlite/0007_egress.sql.

-- The provider's egress policy per org (api-types EgressPolicy as JSON: allow and deny lists).
-- An org without a row may reach nothing.
create table org_egress (
    org_name    text primary key references org (org_name) on delete cascade,
    policy_json text not null,
    updated_at  bigint not null
);

-- The requests a call made with fetch() (api-types OutboundCall list as JSON); null: none.
alter table invocation add column outbound_json text;
