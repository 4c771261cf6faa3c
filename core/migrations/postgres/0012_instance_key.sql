-- Content packages (postgres): this instance's age X25519 identity, which opens secret values
-- sealed to it in packages (its recipient, the public half, is what exporters seal to). One
-- row, made on first use; replicas share it. Keep in step with
-- migrations/sqlite/0012_instance_key.sql.
create table instance_key (
    id           bigint primary key check (id = 1),
    age_identity text not null,
    created_at   bigint not null
);
