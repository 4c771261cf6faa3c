//! Hosts: the processes that feed requests into the one Router.

pub mod amqp;
pub mod backoff;
pub mod jobs_amqp;
pub mod lambda;
pub mod notifications;
pub mod replica;
pub mod server;
