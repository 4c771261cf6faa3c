//! Reconnect delays of the hosts' broker connections (the AMQP bridge, event notifications,
//! the async-job consumer): doubling from a first delay up to a cap, and back to the first
//! after a session that got going.

use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    pub const fn new(first: Duration, max: Duration) -> Self {
        Self { first, max, failures: 0 }
    }

    /// The delay before connecting again after a session ended; `got_going`: it had connected
    /// and consumed, so the failures before it are forgotten.
    pub fn after(&mut self, got_going: bool) -> Duration {
        if got_going {
            self.failures = 0;
        }
        let delay = self.delay(self.failures);
        self.failures = self.failures.saturating_add(1);
        delay
    }

    /// `first * 2^failures`, at most `max`.
    pub fn delay(&self, failures: u32) -> Duration {
        self.first.saturating_mul(1u32 << failures.min(16)).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_start_again_after_a_good_session() {
        let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(10));
        let delays: Vec<_> = (0..8).map(|_| backoff.after(false).as_millis()).collect();
        assert_eq!(delays, [200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
        assert_eq!(backoff.delay(u32::MAX), Duration::from_secs(10));
        assert_eq!(backoff.after(true), Duration::from_millis(200));
    }
}
