//! Wire types of the Stratus HTTP API, shared by the backend and the WASM frontend.
//!
//! Only serde data lives here: no axum, sqlx or web-sys. Timestamps travel as RFC 3339
//! strings and money as decimal strings, so that no float ever carries a price.

mod error;
mod org;
mod resources;
mod showback;
mod system;

pub use error::{ErrorBody, ErrorDetail, ErrorInfo};
pub use org::{Me, Org, OrgCreate, Role};
pub use resources::{AutoscaleRuleSummary, FunctionSummary, ListResponse};
pub use showback::{CostGroup, CostGroupBy, CostQuery, CostReport};
pub use system::Health;
