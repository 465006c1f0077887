//! Exercise 3 — lru: `LruCache`, a `#[pyclass]` container of arbitrary Python objects.
//! Read ../README.md first. Check your work with `cargo xtask check exercise-3`.
//!
//! Given: `Entries` (the pairs in recency order, indexed by hash: plain Rust) and `LruCache::lock`.
//! Yours: every function with a `todo!()`. The rules your code must follow (README, "How the
//! cache stays safe"):
//! 1. The class is `#[pyclass(frozen)]`: methods get `&self`, and the mutable state lives in a
//!    `Mutex`. PyO3 0.30 requires every pyclass to be `Send + Sync`, because any Python thread may
//!    call it; `frozen` + a lock is how a container shares mutable state between threads.
//! 2. Hash a key *before* locking (`key.hash()?`): `__hash__` may be Python code, and an
//!    unhashable key must raise TypeError before anything happens.
//! 3. Compare keys (`__eq__`, Python code too) while locked, and change nothing until every
//!    comparison has succeeded: an exception must leave the cache as it was (`?` does the rest).
//! 4. Never drop a key or value, and never call `repr` or `==` on one, while you hold the lock:
//!    a `__del__`, `__repr__` or `__eq__` may use the cache again. Move such objects out, let the
//!    lock go (end the block that holds it), then drop them or call into them.
//! 5. `__traverse__` visits every object the cache holds and never waits for the lock;
//!    `__clear__` lets go of them all. Without both, reference cycles through a cache leak.
// For the todo!()s: delete this line once you are done.
#![allow(unused_variables, unused_imports, dead_code)]
use pyo3::prelude::*;

#[pymodule]
mod lrucache {
    use std::collections::HashMap;
    use std::hash::{BuildHasherDefault, Hasher};
    use std::ops::{Deref, DerefMut};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Mutex, MutexGuard, TryLockError};
    use std::time::Duration;

    use pyo3::exceptions::{PyKeyError, PyRuntimeError, PyTypeError, PyValueError};
    use pyo3::gc::PyVisit;
    use pyo3::prelude::*;
    use pyo3::types::PyTuple;
    use pyo3::{PyTraverseError, ffi};

    // ---------------------------------------------------------------------------------------
    // GIVEN: the entries. Plain Rust, no Python calls: you use these methods, you need not
    // change them. (Read `Entries`'s method list: it is the toolbox for your methods below.)

    /// Hashes the `isize` that Python's `hash()` returned. It is a hash already, but small ints
    /// hash to themselves, so it is mixed once (Fibonacci hashing) for `HashMap`'s sake; the
    /// default SipHash would cost more than the rest of a lookup.
    #[derive(Default)]
    struct PyHashHasher(u64);

    impl Hasher for PyHashHasher {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            for &byte in bytes {
                self.0 =
                    (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            }
        }
        fn write_isize(&mut self, hash: isize) {
            self.0 = (hash as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    /// One key/value pair, linked into the recency list.
    struct Entry {
        key: Py<PyAny>,
        value: Py<PyAny>,
        hash: isize,
        older: Option<usize>,
        newer: Option<usize>,
    }

    /// The pairs in a slab (`slots` + a free list), linked from the least recently used
    /// (`oldest`) to the most recently used (`newest`), and indexed by the keys' Python hashes.
    pub(crate) struct Entries {
        slots: Vec<Option<Entry>>,
        free: Vec<usize>,
        by_hash: HashMap<isize, Vec<usize>, BuildHasherDefault<PyHashHasher>>,
        oldest: Option<usize>,
        newest: Option<usize>,
        len: usize,
        /// Changes with every change of contents or order; iterators compare it.
        version: u64,
    }

    impl Entries {
        fn new() -> Self {
            Self {
                slots: Vec::new(),
                free: Vec::new(),
                by_hash: HashMap::default(),
                oldest: None,
                newest: None,
                len: 0,
                version: 0,
            }
        }

        fn len(&self) -> usize {
            self.len
        }

        fn version(&self) -> u64 {
            self.version
        }

        /// The slots whose key has this hash: the only candidates for a key equal to yours.
        fn with_hash(&self, hash: isize) -> impl Iterator<Item = usize> + '_ {
            self.by_hash.get(&hash).into_iter().flatten().copied()
        }

        fn entry(&self, slot: usize) -> &Entry {
            self.slots[slot].as_ref().expect("a live slot")
        }

        fn entry_mut(&mut self, slot: usize) -> &mut Entry {
            self.slots[slot].as_mut().expect("a live slot")
        }

        fn key(&self, slot: usize) -> &Py<PyAny> {
            &self.entry(slot).key
        }

        fn value(&self, slot: usize) -> &Py<PyAny> {
            &self.entry(slot).value
        }

        /// The least recently used slot.
        fn oldest(&self) -> Option<usize> {
            self.oldest
        }

        /// The slot used next after `slot`, towards the most recently used.
        fn newer(&self, slot: usize) -> Option<usize> {
            self.entry(slot).newer
        }

        /// Every pair, from the least to the most recently used.
        fn iter(&self) -> impl Iterator<Item = (&Py<PyAny>, &Py<PyAny>)> + '_ {
            let mut next = self.oldest;
            std::iter::from_fn(move || {
                let entry = self.entry(next?);
                next = entry.newer;
                Some((&entry.key, &entry.value))
            })
        }

        /// Add a pair as the most recently used; the caller has checked that the key is new.
        fn push_newest(&mut self, hash: isize, key: Py<PyAny>, value: Py<PyAny>) -> usize {
            let entry = Entry {
                key,
                value,
                hash,
                older: None,
                newer: None,
            };
            let slot = match self.free.pop() {
                Some(slot) => {
                    self.slots[slot] = Some(entry);
                    slot
                }
                None => {
                    self.slots.push(Some(entry));
                    self.slots.len() - 1
                }
            };
            self.by_hash.entry(hash).or_default().push(slot);
            self.link_newest(slot);
            self.len += 1;
            self.version += 1;
            slot
        }

        /// Make `slot` the most recently used.
        fn touch(&mut self, slot: usize) {
            if self.newest != Some(slot) {
                self.unlink(slot);
                self.link_newest(slot);
            }
            self.version += 1;
        }

        /// Put a new value in `slot` and return the old one (for the caller to drop later).
        fn replace_value(&mut self, slot: usize, value: Py<PyAny>) -> Py<PyAny> {
            self.version += 1;
            std::mem::replace(&mut self.entry_mut(slot).value, value)
        }

        /// Take the pair out of `slot` and return it (for the caller to drop later).
        fn remove(&mut self, slot: usize) -> (Py<PyAny>, Py<PyAny>) {
            self.unlink(slot);
            let entry = self.slots[slot].take().expect("a live slot");
            let same_hash = self.by_hash.get_mut(&entry.hash).expect("an indexed hash");
            same_hash.retain(|&other| other != slot);
            if same_hash.is_empty() {
                self.by_hash.remove(&entry.hash);
            }
            self.free.push(slot);
            self.len -= 1;
            self.version += 1;
            (entry.key, entry.value)
        }

        /// Take out the least recently used pair, if any.
        fn remove_oldest(&mut self) -> Option<(Py<PyAny>, Py<PyAny>)> {
            self.oldest.map(|slot| self.remove(slot))
        }

        /// Empty the entries and return every pair (for the caller to drop later).
        fn take_all(&mut self) -> Vec<(Py<PyAny>, Py<PyAny>)> {
            let version = self.version + 1;
            let old = std::mem::replace(self, Entries::new());
            self.version = version;
            old.slots
                .into_iter()
                .flatten()
                .map(|entry| (entry.key, entry.value))
                .collect()
        }

        fn unlink(&mut self, slot: usize) {
            let (older, newer) = {
                let entry = self.entry(slot);
                (entry.older, entry.newer)
            };
            match older {
                Some(older) => self.entry_mut(older).newer = newer,
                None => self.oldest = newer,
            }
            match newer {
                Some(newer) => self.entry_mut(newer).older = older,
                None => self.newest = older,
            }
        }

        fn link_newest(&mut self, slot: usize) {
            let previous_newest = self.newest;
            {
                let entry = self.entry_mut(slot);
                entry.older = previous_newest;
                entry.newer = None;
            }
            match previous_newest {
                Some(newest) => self.entry_mut(newest).newer = Some(slot),
                None => self.oldest = Some(slot),
            }
            self.newest = Some(slot);
        }
    }

    // ---------------------------------------------------------------------------------------
    // GIVEN: locking. Read README "How the cache stays safe" for why it looks like this.

    /// A number that identifies the calling thread while it runs (the address of a thread-local).
    fn thread_token() -> usize {
        thread_local!(static TOKEN: u8 = const { 0 });
        TOKEN.with(|token| token as *const u8 as usize)
    }

    /// The locked entries; unlocks when dropped.
    pub(crate) struct Locked<'a> {
        guard: MutexGuard<'a, Entries>,
        owner: &'a AtomicUsize,
    }

    impl Drop for Locked<'_> {
        fn drop(&mut self) {
            // Runs before `guard` is dropped: the owner is forgotten while the lock is still held.
            self.owner.store(0, Ordering::Relaxed);
        }
    }

    impl Deref for Locked<'_> {
        type Target = Entries;
        fn deref(&self) -> &Entries {
            &self.guard
        }
    }

    impl DerefMut for Locked<'_> {
        fn deref_mut(&mut self) -> &mut Entries {
            &mut self.guard
        }
    }

    // ---------------------------------------------------------------------------------------
    // The cache: the struct and `lock` are given, the rest is yours.

    /// A dict-like cache that holds at most `capacity` items and forgets the least recently
    /// used one when it is full.
    #[pyclass(frozen, mapping, module = "lrucache")]
    struct LruCache {
        capacity: usize,
        entries: Mutex<Entries>,
        /// `thread_token()` of the thread holding `entries`, 0 when none.
        owner: AtomicUsize,
    }

    impl LruCache {
        /// Lock the entries, or raise RuntimeError if this thread holds them already.
        ///
        /// Waiting happens detached from the interpreter (so that the thread holding the lock,
        /// which may be running a key's `__eq__`, can take the GIL and finish), but the lock is
        /// only ever *taken* while attached: a garbage collection, which runs attached, never
        /// sees the lock change hands halfway through (see `__traverse__`).
        fn lock(&self, py: Python<'_>) -> PyResult<Locked<'_>> {
            let me = thread_token();
            if self.owner.load(Ordering::Relaxed) == me {
                return Err(PyRuntimeError::new_err(
                    "LruCache is already in use on this thread: a key's __eq__, or a __del__ or \
                     __repr__ run while the cache was locked, tried to use it again",
                ));
            }
            let mut attempts: u32 = 0;
            let guard = loop {
                match self.entries.try_lock() {
                    Ok(guard) => break guard,
                    // A panic while the lock was held (a PanicException in Python) poisons it.
                    // The entries may be inconsistent then, which can cause another panic but
                    // never undefined behaviour: better than a cache that is locked for ever.
                    Err(TryLockError::Poisoned(poisoned)) => break poisoned.into_inner(),
                    Err(TryLockError::WouldBlock) => {
                        attempts += 1;
                        py.detach(|| {
                            if attempts < 64 {
                                std::thread::yield_now();
                            } else {
                                std::thread::sleep(Duration::from_micros(50));
                            }
                        });
                    }
                }
            };
            self.owner.store(me, Ordering::Relaxed);
            Ok(Locked {
                guard,
                owner: &self.owner,
            })
        }

        /// All pairs, oldest first, as new references: Python code may then run without the lock.
        fn snapshot(&self, py: Python<'_>) -> PyResult<Vec<(Py<PyAny>, Py<PyAny>)>> {
            // TODO: every pair, oldest first, as references of the caller's own. Rule: under the
            // lock nothing may run Python code; adding a reference (`clone_ref`) runs none, so
            // the copies are made under the lock and used (repr, ==) after it is gone.
            todo!()
        }
    }

    /// The slot of the key equal to `key`, compared as dict does: identity first, then `==`.
    fn find(entries: &Entries, key: &Bound<'_, PyAny>, hash: isize) -> PyResult<Option<usize>> {
        // TODO: the slot whose key equals `key`, as dict decides it. Rules: only keys with the
        // same hash can be equal (`entries.with_hash`); the same object is equal without asking
        // it (no Python call); otherwise Python's `==` decides, and may raise — pass that on.
        todo!()
    }

    /// `KeyError(key)`, as dict raises it.
    fn key_error(key: &Bound<'_, PyAny>) -> PyErr {
        // TODO: `KeyError(key)`. Rule: `new_err` takes the exception's *arguments*; given a
        // tuple key such as (1, 2), a bare tuple would become `KeyError(1, 2)`, as in C.
        todo!()
    }

    #[pymethods]
    impl LruCache {
        /// `LruCache(capacity)`: an empty cache that holds at most `capacity` items.
        #[new]
        fn new(capacity: isize) -> PyResult<Self> {
            // TODO: a cache of `capacity` items; below 1 is ValueError "capacity must be at least
            // 1, got 0". (An `isize` parameter, not `usize`: PyO3 would answer -1 with an
            // OverflowError before your check.)
            todo!()
        }

        /// The most items the cache holds.
        #[getter]
        fn capacity(&self) -> usize {
            self.capacity
        }

        fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
            // TODO: lock and return `entries.len()`.
            todo!()
        }

        fn __contains__(&self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
            // TODO: membership. Rules for every method that takes a key: hash it first (TypeError
            // for an unhashable key, like dict), then lock. Membership is not a use.
            todo!()
        }

        fn __getitem__(&self, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
            // TODO: the value, or KeyError. A hit counts as a use (it becomes the newest); the
            // caller gets a reference of its own, the cache keeps its own.
            todo!()
        }

        /// `cache.get(key, default=None)`: like `cache[key]`, but `default` when `key` is missing.
        #[pyo3(signature = (key, default = None))]
        fn get(
            &self,
            key: &Bound<'_, PyAny>,
            default: Option<Py<PyAny>>,
        ) -> PyResult<Option<Py<PyAny>>> {
            // TODO: as `__getitem__`, but a miss returns `Ok(default)` (`None` becomes Python's None).
            todo!()
        }

        fn __setitem__(&self, key: &Bound<'_, PyAny>, value: Bound<'_, PyAny>) -> PyResult<()> {
            // TODO: store or replace. Rules: a replaced key keeps the key object already stored
            // (as dict does) and becomes the newest; a new key beyond `capacity` evicts the
            // oldest pair. Whatever leaves the cache (an old value, an evicted pair) may run
            // `__del__` when dropped — so it is dropped only after the lock is released
            // (rule 4 in the README; a test's `__del__` reads the cache).
            todo!()
        }

        fn __delitem__(&self, key: &Bound<'_, PyAny>) -> PyResult<()> {
            // TODO: remove, or KeyError; the removed pair is dropped after the lock is released.
            todo!()
        }

        /// `cache.pop(key[, default])`: remove `key` and return its value; if it is missing,
        /// return `default`, or raise KeyError when no default was given.
        #[pyo3(signature = (key, *default))]
        fn pop(&self, key: &Bound<'_, PyAny>, default: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
            // `*default` collects the optional second argument into a tuple: `default = None`
            // could not tell `pop(key)` from `pop(key, None)`, and the second must return None.
            // TODO: as dict.pop: more than one default is the TypeError dict raises ("pop expected
            // at most 2 arguments, got 3"); a removed value is dropped after the lock, as in
            // `__delitem__`; a miss returns the default if there is one, else KeyError.
            todo!()
        }

        /// Remove every item.
        fn clear(&self, py: Python<'_>) -> PyResult<()> {
            // TODO: empty the cache; what leaves is dropped after the lock is released.
            todo!()
        }

        /// The `(key, value)` pairs, least recently used first. Does not count as a use.
        fn items(&self, py: Python<'_>) -> PyResult<Vec<(Py<PyAny>, Py<PyAny>)>> {
            // TODO: the snapshot is exactly this; PyO3 turns the Vec of pairs into a list of tuples.
            todo!()
        }

        /// Iterate over the keys, least recently used first. Does not count as a use.
        fn __iter__(slf: &Bound<'_, Self>) -> PyResult<LruCacheIterator> {
            // TODO: an iterator that remembers where to start and the cache's version (to detect a
            // change while iterating). `slf.get()` is the `&LruCache` (frozen: no borrow needed).
            todo!()
        }

        fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
            // TODO: `<LruCache capacity=3 {'a': 1, 'b': 2}>`, least recently used first, each
            // side in its own `repr`. Rule: a value's `__repr__` is Python code that may raise or
            // use this cache, so no lock may be held while it runs.
            // Optional: a cache that contains itself recurses until Python raises RecursionError
            // (the tests accept that). dict prints `{...}` instead, with `ffi::Py_ReprEnter` /
            // `ffi::Py_ReprLeave`; do the same if you like and print `<LruCache capacity=3 ...>`.
            todo!()
        }

        /// Equal: same capacity and equal pairs in the same order (the order decides what is
        /// evicted next). Compared with anything but an LruCache: NotImplemented.
        fn __eq__(&self, py: Python<'_>, other: &Bound<'_, LruCache>) -> PyResult<bool> {
            // Because `other` is typed `&Bound<LruCache>`, PyO3 answers NotImplemented for any
            // other type (and Python then falls back to identity: `cache == {}` is False).
            // TODO: same capacity and equal pairs in the same order, compared with Python's ==
            // (which may raise). Rule: never hold two caches' locks at once — two threads
            // comparing a == b and b == a would wait for each other for ever.
            todo!()
        }

        fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
            // TODO: show the garbage collector every object the cache holds. Rules: no Python
            // API during a traversal (PyO3 forbids it); the collector may run while a thread holds
            // the lock, so never wait for it — if it is taken, that thread is inside a method of
            // this cache, which is therefore alive: report nothing. A poisoned lock still holds
            // the entries.
            todo!()
        }

        fn __clear__(&self, py: Python<'_>) {
            // TODO: the collector calls this to break a reference cycle: let go of every key and
            // value, as `clear` does (a lock error cannot be reported here: ignore it).
            todo!()
        }
    }

    /// Iterator over an `LruCache`'s keys, least recently used first.
    ///
    /// Not frozen: `__next__` takes `&mut self`, and PyO3's runtime borrow check turns two
    /// threads calling `next()` on the same iterator at once into a RuntimeError.
    #[pyclass(module = "lrucache")]
    struct LruCacheIterator {
        /// None once exhausted: an iterator that is done no longer keeps the cache alive.
        cache: Option<Py<LruCache>>,
        next_slot: Option<usize>,
        version: u64,
    }

    #[pymethods]
    impl LruCacheIterator {
        fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
            slf
        }

        fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
            // TODO: the next key, or `Ok(None)` to end (PyO3 raises StopIteration). Rules: a cache
            // that changed since `iter()` is a RuntimeError "LruCache mutated during iteration",
            // as dict does; an exhausted iterator lets go of the cache and stays exhausted.
            todo!()
        }

        fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
            // TODO: the iterator holds the cache, and a cache may hold its iterator: show the
            // collector that reference.
            todo!()
        }

        fn __clear__(&mut self) {
            // TODO: let go of the cache.
            todo!()
        }
    }
}
