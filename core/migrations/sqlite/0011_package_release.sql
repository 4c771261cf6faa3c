-- Content packages (sqlite): each apply or rollback of a package into an org. Keep in step with
-- migrations/postgres/0011_package_release.sql.

-- A release: which package (its name and manifest digest), who signed it (trusted principals,
-- JSON), and each element with the function version it left serving (JSON). Numbered per org.
create table package_release (
    org_name      text not null references org (org_name) on delete cascade,
    number        integer not null,
    package_name  text not null,
    digest        text not null,
    signers_json  text not null,
    elements_json text not null,
    rollback_of   integer,
    created_at    integer not null,
    primary key (org_name, number)
);
