//! End-to-end tests of Stratus. One test binary; each module is one area.

mod amqp;
mod api;
mod auth;
mod autoscale;
mod autoscale_ui;
mod binary;
mod browser;
mod cli;
mod coherence;
mod contract;
mod deploy;
mod egress_ui;
mod function_files_ui;
mod functions;
mod functions_ui;
mod jobs_amqp;
mod lambda;
mod packages_apply;
mod packages_cli;
mod packages_processes;
mod packages_ui;
mod plugin;
mod replicas;
mod showback;
mod showback_ui;
mod vcd_auth;
