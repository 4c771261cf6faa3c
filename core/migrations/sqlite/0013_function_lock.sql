-- Content packages (sqlite): a function locked by the package that brought it. Its code is never
-- returned by the API, cannot be edited or exported, and only a package signed by this key id
-- (a trusted Ed25519 key) changes it. Keep in step with migrations/postgres/0013_function_lock.sql.
alter table tenant_function add column locked_by text;
