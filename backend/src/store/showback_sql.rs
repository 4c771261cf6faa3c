//! Building SQL with a variable number of `$n` parameters (multi-row inserts, range lists).

use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

enum Bind {
    Text(String),
    Int(i64),
}

/// Parameters collected while the SQL text is written; each push returns its `$n`.
#[derive(Default)]
pub(crate) struct Binds(Vec<Bind>);

impl Binds {
    pub(crate) fn text(&mut self, value: impl Into<String>) -> String {
        self.0.push(Bind::Text(value.into()));
        format!("${}", self.0.len())
    }

    pub(crate) fn int(&mut self, value: i64) -> String {
        self.0.push(Bind::Int(value));
        format!("${}", self.0.len())
    }

    /// Binds every collected value to `query`, in order.
    pub(crate) fn apply<'q>(self, query: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
        self.0.into_iter().fold(query, |q, bind| match bind {
            Bind::Text(s) => q.bind(s),
            Bind::Int(i) => q.bind(i),
        })
    }
}
