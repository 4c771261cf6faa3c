-- What functions send and receive (sqlite): egress policies, outbound requests, the Lambda event format. Keep in step with migrations/postgres/0007_function_io.sql.

-- The provider's egress policy per org (api-types EgressPolicy as JSON: allow and deny lists).
-- An org without a row may reach nothing.
create table org_egress (
    org_name    text primary key references org (org_name) on delete cascade,
    policy_json text not null,
    updated_at  integer not null
);

-- The requests a call made with fetch() (api-types OutboundCall list as JSON); null: none.
alter table invocation add column outbound_json text;

-- The Lambda event format of a version's calls (api-types LambdaPayload: '2.0' or '1.0').
alter table function_version add column payload_format text not null default '2.0';
