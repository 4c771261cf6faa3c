//! End-to-end tests of Stratus. One test binary; each module is one area.

mod amqp;
mod api;
mod auth;
mod autoscale;
mod autoscale_ui;
mod binary;
mod browser;
mod cli;
mod contract;
mod deploy;
mod functions;
mod functions_ui;
mod lambda;
mod plugin;
mod showback;
mod showback_ui;
mod vcd_auth;
