//! Hosts: the processes that feed requests into the one Router.

pub mod lambda;
pub mod notifications;
pub mod server;
