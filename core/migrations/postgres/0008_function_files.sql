-- Functions of several files (postgres). Keep in step with migrations/sqlite/0008_function_files.sql.

-- A version of several files: relative path → text as a JSON object (code is then empty);
-- null: a one-file version whose source is in code.
alter table function_version add column files_json text;
-- The entry file as the author named it; null: package.json or index.js decides.
alter table function_version add column main_file text;
-- The file a compile error is in, for a version of several files.
alter table function_version add column error_file text;
