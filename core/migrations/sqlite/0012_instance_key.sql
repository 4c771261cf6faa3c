-- Content packages (sqlite): this instance's age X25519 identity, which opens secret values
-- sealed to it in packages (its recipient, the public half, is what exporters seal to). One
-- row, made on first use; replicas share it. Keep in step with
-- migrations/postgres/0012_instance_key.sql.
create table instance_key (
    id           integer primary key check (id = 1),
    age_identity text not null,
    created_at   integer not null
);
