//! Small building blocks shared by the pages, one per file.

pub mod datagrid;
pub mod empty_state;
pub mod error_alert;
pub mod header;
pub mod icon;
pub mod nav;
pub mod page_heading;
pub mod spinner;
pub mod status_badge;
pub mod token_help;
