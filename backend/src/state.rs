//! The state every handler shares.

use std::sync::Arc;

use crate::config::Config;
use crate::domain::auth::Authenticator;
use crate::http::metrics::Metrics;
use crate::store::Store;

/// Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub auth: Arc<dyn Authenticator>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// State that authenticates callers by Stratus API tokens kept in `store`.
    pub fn new(config: Config, store: Store) -> Self {
        let auth = Arc::new(crate::domain::auth::TokenAuthenticator::new(store.clone()));
        Self { config: Arc::new(config), store, auth, metrics: Arc::new(Metrics::default()) }
    }

    /// Replaces how callers are authenticated (the vCD session mode plugs in here).
    pub fn with_authenticator(mut self, auth: Arc<dyn Authenticator>) -> Self {
        self.auth = auth;
        self
    }
}
