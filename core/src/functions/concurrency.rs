//! Caps on calls running at once: per org and per function.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Permits held for the length of one call.
pub struct Permits {
    _org: OwnedSemaphorePermit,
    _function: OwnedSemaphorePermit,
}

/// Semaphores by key, recreated when the configured size changes.
#[derive(Default)]
pub struct Concurrency {
    semaphores: Mutex<HashMap<String, (u32, Arc<Semaphore>)>>,
}

impl Concurrency {
    fn semaphore(&self, key: String, size: u32) -> Arc<Semaphore> {
        let mut map = self.semaphores.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = map.entry(key).or_insert_with(|| (size, Arc::new(Semaphore::new(size as usize))));
        if entry.0 != size {
            *entry = (size, Arc::new(Semaphore::new(size as usize)));
        }
        entry.1.clone()
    }

    /// Takes a permit for the org and one for the function, or `None` when either is at its cap.
    pub fn try_acquire(&self, org: &str, function: &str, org_cap: u32, function_cap: u32) -> Option<Permits> {
        let org_permit = self.semaphore(org.to_owned(), org_cap).try_acquire_owned().ok()?;
        let function_permit = self.semaphore(format!("{org}/{function}"), function_cap).try_acquire_owned().ok()?;
        Some(Permits { _org: org_permit, _function: function_permit })
    }

    /// Waits for both permits (async and event calls queue instead of failing).
    pub async fn acquire(&self, org: &str, function: &str, org_cap: u32, function_cap: u32) -> Permits {
        let org_sem = self.semaphore(org.to_owned(), org_cap);
        let function_sem = self.semaphore(format!("{org}/{function}"), function_cap);
        // The semaphores are never closed, so acquiring cannot fail.
        let function_permit = function_sem.acquire_owned().await.expect("semaphore open");
        let org_permit = org_sem.acquire_owned().await.expect("semaphore open");
        Permits { _org: org_permit, _function: function_permit }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_function_and_per_org() {
        let c = Concurrency::default();
        let a = c.try_acquire("acme", "f", 3, 2).unwrap();
        let b = c.try_acquire("acme", "f", 3, 2).unwrap();
        assert!(c.try_acquire("acme", "f", 3, 2).is_none(), "function cap");
        let g = c.try_acquire("acme", "g", 3, 2).unwrap();
        assert!(c.try_acquire("acme", "h", 3, 2).is_none(), "org cap");
        assert!(c.try_acquire("globex", "f", 3, 2).is_some(), "other orgs are not affected");
        drop((a, b, g));
        assert!(c.try_acquire("acme", "f", 3, 2).is_some());
    }
}
