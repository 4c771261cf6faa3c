-- Content packages (sqlite): what each org asks of the signatures on packages it imports. Keep in
-- step with migrations/postgres/0010_package_policy.sql.

-- api-types PackagePolicy as JSON (mode off/warn/enforce, min_signatures); an org without a
-- row uses the default (warn).
create table org_package_policy (
    org_name    text primary key references org (org_name) on delete cascade,
    policy_json text not null,
    updated_at  integer not null
);
