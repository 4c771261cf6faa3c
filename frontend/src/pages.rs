//! One module per page; each loads its own data and shows loading, empty, ready or error.

pub mod autoscale_form_page;
pub mod autoscale_page;
pub mod autoscale_rule_page;
pub mod function_detail_page;
pub mod functions_page;
pub mod new_function_page;
pub mod packages_page;
pub mod provider_egress_page;
pub mod provider_packages_page;
pub mod provider_showback_page;
pub mod showback_page;
