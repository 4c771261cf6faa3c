//! Building SQL with a variable number of parameters (multi-row inserts, range lists).
//!
//! PostgreSQL gets `$n`; SQLite gets anonymous `?`, bound in order of appearance: SQLite looks
//! up a named (`$n`) parameter by a linear scan, which makes binding a statement with thousands
//! of `$n` quadratic. Callers must therefore write placeholders in the order they push them.

use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

use super::Backend;

enum Bind {
    Text(String),
    Int(i64),
}

/// Parameters collected while the SQL text is written; each push returns its placeholder.
pub(crate) struct Binds {
    values: Vec<Bind>,
    numbered: bool,
}

impl Binds {
    pub(crate) fn new(backend: Backend) -> Self {
        Self { values: Vec::new(), numbered: backend == Backend::Postgres }
    }

    fn placeholder(&self) -> String {
        if self.numbered { format!("${}", self.values.len()) } else { "?".to_owned() }
    }

    pub(crate) fn text(&mut self, value: impl Into<String>) -> String {
        self.values.push(Bind::Text(value.into()));
        self.placeholder()
    }

    pub(crate) fn int(&mut self, value: i64) -> String {
        self.values.push(Bind::Int(value));
        self.placeholder()
    }

    /// Binds every collected value to `query`, in order. PostgreSQL plans these statements at
    /// every execution: a cached generic plan made while a table was small (a hash join that
    /// reads the whole table) would otherwise stay in use as the table grows.
    pub(crate) fn apply<'q>(self, query: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
        let query = query.persistent(!self.numbered);
        self.values.into_iter().fold(query, |q, bind| match bind {
            Bind::Text(s) => q.bind(s),
            Bind::Int(i) => q.bind(i),
        })
    }
}
