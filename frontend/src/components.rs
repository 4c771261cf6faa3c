//! Small building blocks shared by the pages, one per file.

pub mod code_editor;
pub mod compile_error;
pub mod datagrid;
pub mod delete_function_dialog;
pub mod empty_state;
pub mod error_alert;
pub mod field_error;
pub mod function_form;
pub mod function_overview;
pub mod function_tabs;
pub mod header;
pub mod icon;
pub mod invocation_list;
pub mod key_value_rows;
pub mod modal;
pub mod nav;
pub mod page_heading;
pub mod secret_rows;
pub mod spinner;
pub mod status_badge;
pub mod test_console;
pub mod token_help;
pub mod version_list;
