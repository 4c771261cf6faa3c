//! The one in-memory cache: values kept for a fixed time after they were stored, at most so many
//! at once. Used for lookups: function routes and org limits (kept exact across replicas by
//! `cluster::Coherence`; 60 s, or 1 s while its channel is down),
//! vCD principals (30 s by default), vCD org names (10 min) and the AMQP bridge's replies
//! (5 min).

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The longest time to live; a longer one is cut to this (an `Instant` cannot reach any time).
const MAX_TTL: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// Values by key, each for `ttl` after it was inserted, at most `capacity` at once.
///
/// - An expired value is never returned; it is dropped when read or when an insert makes room.
/// - When full, an insert drops the expired entries, then the oldest (which, with one TTL for
///   all, is the one that would expire first).
/// - A zero TTL caches nothing: `insert` does nothing, `get_or_insert_with` always makes.
/// - A panic while the lock is held (in a key's `Hash` or a value's `Clone`, or the closure of
///   `retain` or `get_or_insert_with`) does not break the cache: the next use empties it.
pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<Entries<K, V>>,
}

struct Entries<K, V> {
    map: HashMap<K, Entry<V>>,
    /// Keys by insertion number: the first is the oldest.
    order: BTreeMap<u64, K>,
    next: u64,
}

struct Entry<V> {
    number: u64,
    expires: Instant,
    value: V,
}

impl<K, V> Default for Entries<K, V> {
    fn default() -> Self {
        Self { map: HashMap::new(), order: BTreeMap::new(), next: 0 }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    /// A cache keeping each value `ttl`, at most `capacity` (at least 1) values.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self { ttl: ttl.min(MAX_TTL), capacity: capacity.max(1), entries: Mutex::default() }
    }

    /// The value of `key` unless it expired.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut entries = self.lock();
        let entry = entries.map.get(key)?;
        if entry.expires > Instant::now() {
            return Some(entry.value.clone());
        }
        entries.remove(key);
        None
    }

    /// The value of `key` if it was stored at most `max_age` ago (and has not expired): a reader
    /// that trusts entries less right now (see `cluster::Coherence::trust`) asks for younger ones.
    pub fn get_within<Q>(&self, key: &Q, max_age: Duration) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if max_age >= self.ttl {
            return self.get(key);
        }
        let entries = self.lock();
        let entry = entries.map.get(key)?;
        let now = Instant::now();
        let stored = entry.expires.checked_sub(self.ttl)?;
        (entry.expires > now && now.saturating_duration_since(stored) <= max_age).then(|| entry.value.clone())
    }

    /// Stores `value` for `key` (replacing any other) for one TTL from now.
    pub fn insert(&self, key: K, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.lock();
        let now = Instant::now(); // Under the lock, so that insertion order is expiry order.
        entries.insert(key, value, now, now + self.ttl, self.capacity);
    }

    /// The value of `key`, or `make()`'s, stored (under the same lock, so concurrent callers get
    /// the same value).
    pub fn get_or_insert_with(&self, key: K, make: impl FnOnce() -> V) -> V {
        if self.ttl.is_zero() {
            return make();
        }
        let mut entries = self.lock();
        let now = Instant::now();
        if let Some(entry) = entries.map.get(&key)
            && entry.expires > now
        {
            return entry.value.clone();
        }
        let value = make();
        entries.insert(key, value.clone(), now, now + self.ttl, self.capacity);
        value
    }

    /// Forgets `key`; its value unless it had expired.
    pub fn remove<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let entry = self.lock().remove(key)?;
        (entry.expires > Instant::now()).then_some(entry.value)
    }

    /// Keeps only the entries for which `keep` says `true`.
    pub fn retain(&self, mut keep: impl FnMut(&K, &V) -> bool) {
        let mut entries = self.lock();
        let Entries { map, order, .. } = &mut *entries;
        map.retain(|key, entry| {
            let kept = keep(key, &entry.value);
            if !kept {
                order.remove(&entry.number);
            }
            kept
        });
    }

    pub fn clear(&self) {
        *self.lock() = Entries::default();
    }

    /// Entries held, expired ones not dropped yet included.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries; after a panic under the lock they may disagree with each other, so the
    /// cache starts again empty.
    fn lock(&self) -> MutexGuard<'_, Entries<K, V>> {
        self.entries.lock().unwrap_or_else(|poisoned| {
            let mut entries = poisoned.into_inner();
            *entries = Entries::default();
            self.entries.clear_poison();
            entries
        })
    }
}

impl<K: Eq + Hash + Clone, V> Entries<K, V> {
    fn remove<Q>(&mut self, key: &Q) -> Option<Entry<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let entry = self.map.remove(key)?;
        self.order.remove(&entry.number);
        Some(entry)
    }

    fn insert(&mut self, key: K, value: V, now: Instant, expires: Instant, capacity: usize) {
        self.remove(&key);
        self.drop_expired(now);
        while self.map.len() >= capacity {
            let Some((_, oldest)) = self.order.pop_first() else { break };
            self.map.remove(&oldest);
        }
        let number = self.next;
        self.next += 1;
        self.order.insert(number, key.clone());
        self.map.insert(key, Entry { number, expires, value });
    }

    /// Drops expired entries, oldest first (every entry lives one TTL, so they expire in order).
    fn drop_expired(&mut self, now: Instant) {
        while let Some((_, key)) = self.order.first_key_value() {
            if self.map.get(key).is_some_and(|entry| entry.expires > now) {
                break;
            }
            if let Some((_, key)) = self.order.pop_first() {
                self.map.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use super::*;

    #[test]
    fn values_expire_after_the_ttl() {
        let cache = TtlCache::new(Duration::from_millis(40), 10);
        cache.insert("a", 1);
        assert_eq!(cache.get("a"), Some(1));
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(cache.get("a"), None);
        assert!(cache.is_empty(), "reading an expired entry drops it");
    }

    #[test]
    fn get_within_asks_for_younger_entries() {
        let cache = TtlCache::new(Duration::from_secs(60), 10);
        cache.insert("a", 1);
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(cache.get_within("a", Duration::from_millis(10)), None, "older than asked");
        assert_eq!(cache.get_within("a", Duration::from_secs(1)), Some(1));
        assert_eq!(cache.get_within("a", Duration::from_secs(600)), Some(1));
        assert_eq!(cache.get("a"), Some(1), "a stricter reader does not drop the entry");
    }

    #[test]
    fn a_zero_ttl_caches_nothing() {
        let cache = TtlCache::new(Duration::ZERO, 10);
        cache.insert("a", 1);
        assert_eq!(cache.get("a"), None);
        assert_eq!(cache.get_or_insert_with("a", || 2), 2);
        assert_eq!(cache.get_or_insert_with("a", || 3), 3);
        assert!(cache.is_empty());
    }

    #[test]
    fn a_full_cache_drops_expired_entries_then_the_oldest() {
        let cache = TtlCache::new(Duration::from_secs(60), 2);
        cache.insert("a", 1);
        cache.insert("b", 2);
        cache.insert("a", 10); // Replacing makes "a" the newest.
        cache.insert("c", 3);
        assert_eq!((cache.get("a"), cache.get("b"), cache.get("c")), (Some(10), None, Some(3)));
        assert_eq!(cache.len(), 2);

        let short = TtlCache::new(Duration::from_millis(30), 2);
        short.insert("old", 1);
        std::thread::sleep(Duration::from_millis(40));
        short.insert("x", 2);
        assert_eq!(short.len(), 1, "the expired entry made room first");
        short.insert("y", 3);
        assert_eq!((short.get("x"), short.get("y")), (Some(2), Some(3)));
    }

    #[test]
    fn get_or_insert_with_keeps_the_first_value() {
        let cache = TtlCache::new(Duration::from_secs(60), 10);
        assert_eq!(cache.get_or_insert_with("a".to_owned(), || 1), 1);
        assert_eq!(cache.get_or_insert_with("a".to_owned(), || 2), 1);
        assert_eq!(cache.get("a"), Some(1));
    }

    #[test]
    fn entries_can_be_removed_retained_and_cleared() {
        let cache = TtlCache::new(Duration::from_secs(60), 10);
        for (key, value) in [("a", 1), ("b", 2), ("c", 3), ("d", 4)] {
            cache.insert((key.to_owned(), "org"), value);
        }
        assert_eq!(cache.remove(&("a".to_owned(), "org")), Some(1));
        assert_eq!(cache.remove(&("a".to_owned(), "org")), None);
        cache.retain(|(key, _), value| key != "b" && *value != 3);
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get(&("d".to_owned(), "org")), Some(4));
        cache.clear();
        assert!(cache.is_empty());
    }

    #[test]
    fn eviction_stays_in_order_after_removals() {
        let cache = TtlCache::new(Duration::from_secs(60), 3);
        for (key, value) in [("a", 1), ("b", 2), ("c", 3)] {
            cache.insert(key, value);
        }
        cache.retain(|key, _| *key != "a");
        cache.insert("d", 4);
        cache.insert("e", 5);
        assert_eq!(cache.get("b"), None, "the oldest left went first");
        assert_eq!((cache.get("c"), cache.get("d"), cache.get("e")), (Some(3), Some(4), Some(5)));
    }

    #[test]
    fn a_panic_under_the_lock_leaves_a_working_empty_cache() {
        let cache = TtlCache::new(Duration::from_secs(60), 10);
        cache.insert("a", 1);
        let panicked = catch_unwind(AssertUnwindSafe(|| cache.retain(|_, _| panic!("a bug"))));
        assert!(panicked.is_err());
        assert_eq!(cache.get("a"), None);
        cache.insert("b", 2);
        assert_eq!(cache.get("b"), Some(2));
        let panicked = catch_unwind(AssertUnwindSafe(|| cache.get_or_insert_with("c", || panic!("a bug"))));
        assert!(panicked.is_err());
        assert_eq!(cache.get_or_insert_with("c", || 3), 3);
    }
}
