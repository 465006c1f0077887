//! Reference solution for exercise 3: `LruCache`, a least-recently-used cache of Python objects.
//!
//! The rules the code follows, and why (README, "How the cache stays safe"):
//! 1. `#[pyclass(frozen)]` + `Mutex`: every method takes `&self` and locks the entries itself.
//! 2. A key is hashed *before* locking: `__hash__` is Python code.
//! 3. Keys are compared (`__eq__`, also Python code) while the lock is held, and nothing is changed
//!    before the comparisons are done: an exception leaves the cache as it was.
//! 4. Objects leaving the cache are dropped *after* unlocking, and `repr`/`==` work on a snapshot
//!    taken under the lock: a `__del__`, `__repr__` or `__eq__` may use the cache again.
//! 5. `__traverse__` never waits for the lock; `__clear__` empties the cache so cycles through it
//!    can be collected.
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
    // The entries: plain Rust, no Python calls. (Given in the exercise.)

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
    // Locking. (Given in the exercise.)

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
    // The cache

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
            let entries = self.lock(py)?;
            Ok(entries
                .iter()
                .map(|(key, value)| (key.clone_ref(py), value.clone_ref(py)))
                .collect())
        }
    }

    /// The slot of the key equal to `key`, compared as dict does: identity first, then `==`.
    fn find(entries: &Entries, key: &Bound<'_, PyAny>, hash: isize) -> PyResult<Option<usize>> {
        let py = key.py();
        for slot in entries.with_hash(hash) {
            let stored = entries.key(slot).bind(py);
            if stored.is(key) || stored.eq(key)? {
                return Ok(Some(slot));
            }
        }
        Ok(None)
    }

    /// `KeyError(key)`. The key goes in a 1-tuple: `new_err(key)` with a tuple key would make the
    /// tuple's items the exception's arguments.
    fn key_error(key: &Bound<'_, PyAny>) -> PyErr {
        PyKeyError::new_err((key.clone().unbind(),))
    }

    #[pymethods]
    impl LruCache {
        #[new]
        fn new(capacity: isize) -> PyResult<Self> {
            if capacity < 1 {
                return Err(PyValueError::new_err(format!(
                    "capacity must be at least 1, got {capacity}"
                )));
            }
            Ok(Self {
                capacity: capacity as usize,
                entries: Mutex::new(Entries::new()),
                owner: AtomicUsize::new(0),
            })
        }

        /// The most items the cache holds.
        #[getter]
        fn capacity(&self) -> usize {
            self.capacity
        }

        fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
            Ok(self.lock(py)?.len())
        }

        fn __contains__(&self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
            let hash = key.hash()?;
            let entries = self.lock(key.py())?;
            Ok(find(&entries, key, hash)?.is_some())
        }

        fn __getitem__(&self, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
            let py = key.py();
            let hash = key.hash()?;
            let mut entries = self.lock(py)?;
            let slot = find(&entries, key, hash)?.ok_or_else(|| key_error(key))?;
            entries.touch(slot);
            Ok(entries.value(slot).clone_ref(py))
        }

        /// `cache.get(key, default=None)`: like `cache[key]`, but `default` when `key` is missing.
        #[pyo3(signature = (key, default = None))]
        fn get(
            &self,
            key: &Bound<'_, PyAny>,
            default: Option<Py<PyAny>>,
        ) -> PyResult<Option<Py<PyAny>>> {
            let py = key.py();
            let hash = key.hash()?;
            let mut entries = self.lock(py)?;
            match find(&entries, key, hash)? {
                Some(slot) => {
                    entries.touch(slot);
                    Ok(Some(entries.value(slot).clone_ref(py)))
                }
                None => Ok(default),
            }
        }

        fn __setitem__(&self, key: &Bound<'_, PyAny>, value: Bound<'_, PyAny>) -> PyResult<()> {
            let py = key.py();
            let hash = key.hash()?;
            let leaving = {
                let mut entries = self.lock(py)?;
                match find(&entries, key, hash)? {
                    Some(slot) => {
                        let old_value = entries.replace_value(slot, value.unbind());
                        entries.touch(slot);
                        Some((None, old_value))
                    }
                    None => {
                        entries.push_newest(hash, key.clone().unbind(), value.unbind());
                        if entries.len() > self.capacity {
                            entries
                                .remove_oldest()
                                .map(|(key, value)| (Some(key), value))
                        } else {
                            None
                        }
                    }
                }
            };
            // The lock is released: a `__del__` run by these drops may use the cache.
            drop(leaving);
            Ok(())
        }

        fn __delitem__(&self, key: &Bound<'_, PyAny>) -> PyResult<()> {
            let hash = key.hash()?;
            let removed = {
                let mut entries = self.lock(key.py())?;
                let slot = find(&entries, key, hash)?.ok_or_else(|| key_error(key))?;
                entries.remove(slot)
            };
            drop(removed);
            Ok(())
        }

        /// `cache.pop(key[, default])`: remove `key` and return its value; if it is missing,
        /// return `default`, or raise KeyError when no default was given.
        #[pyo3(signature = (key, *default))]
        fn pop(&self, key: &Bound<'_, PyAny>, default: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
            // `*default` rather than `default = None`: `pop(key, None)` must return None.
            if default.len() > 1 {
                return Err(PyTypeError::new_err(format!(
                    "pop expected at most 2 arguments, got {}",
                    default.len() + 1
                )));
            }
            let hash = key.hash()?;
            let removed = {
                let mut entries = self.lock(key.py())?;
                find(&entries, key, hash)?.map(|slot| entries.remove(slot))
            };
            match removed {
                Some((_key, value)) => Ok(value),
                None if default.len() == 1 => Ok(default.get_item(0)?.unbind()),
                None => Err(key_error(key)),
            }
        }

        /// Remove every item.
        fn clear(&self, py: Python<'_>) -> PyResult<()> {
            let removed = self.lock(py)?.take_all();
            drop(removed);
            Ok(())
        }

        /// The `(key, value)` pairs, least recently used first. Does not count as a use.
        fn items(&self, py: Python<'_>) -> PyResult<Vec<(Py<PyAny>, Py<PyAny>)>> {
            self.snapshot(py)
        }

        /// Iterate over the keys, least recently used first. Does not count as a use.
        fn __iter__(slf: &Bound<'_, Self>) -> PyResult<LruCacheIterator> {
            let (next_slot, version) = {
                let entries = slf.get().lock(slf.py())?;
                (entries.oldest(), entries.version())
            };
            Ok(LruCacheIterator {
                cache: Some(slf.clone().unbind()),
                next_slot,
                version,
            })
        }

        fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
            let py = slf.py();
            let this = slf.get();
            // A cache that contains itself (directly or not) would recurse for ever; dict and list
            // print `...` there, and so do we, with the same CPython API.
            // SAFETY: `slf` is a live object and we hold the GIL; every successful
            // `Py_ReprEnter` is paired with `Py_ReprLeave` below.
            match unsafe { ffi::Py_ReprEnter(slf.as_ptr()) } {
                0 => {}
                1 => return Ok(format!("<LruCache capacity={} ...>", this.capacity)),
                _ => return Err(PyErr::fetch(py)),
            }
            let items = this.snapshot(py).and_then(|items| {
                let mut parts = Vec::with_capacity(items.len());
                for (key, value) in &items {
                    parts.push(format!(
                        "{}: {}",
                        key.bind(py).repr()?,
                        value.bind(py).repr()?
                    ));
                }
                Ok(parts.join(", "))
            });
            unsafe { ffi::Py_ReprLeave(slf.as_ptr()) };
            Ok(format!(
                "<LruCache capacity={} {{{}}}>",
                this.capacity, items?
            ))
        }

        /// Equal: same capacity and equal pairs in the same order (the order decides what is
        /// evicted next). Compared with anything but an LruCache: NotImplemented.
        fn __eq__(&self, py: Python<'_>, other: &Bound<'_, LruCache>) -> PyResult<bool> {
            let other = other.get();
            if self.capacity != other.capacity {
                return Ok(false);
            }
            // One lock at a time, and no lock while `__eq__`s run: see `snapshot`.
            let mine = self.snapshot(py)?;
            let theirs = other.snapshot(py)?;
            if mine.len() != theirs.len() {
                return Ok(false);
            }
            for ((key, value), (other_key, other_value)) in mine.iter().zip(&theirs) {
                if !key.bind(py).eq(other_key)? || !value.bind(py).eq(other_value)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }

        fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
            // Never wait here. The lock is held only by a thread inside a method of this cache,
            // which keeps the cache alive: skipping it is safe, the GC merely cannot prove this
            // round that the contents are garbage.
            let entries = match self.entries.try_lock() {
                Ok(entries) => entries,
                Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => return Ok(()),
            };
            for (key, value) in entries.iter() {
                visit.call(key)?;
                visit.call(value)?;
            }
            Ok(())
        }

        fn __clear__(&self, py: Python<'_>) {
            // Break reference cycles through the cache: let go of every key and value.
            if let Ok(mut entries) = self.lock(py) {
                let removed = entries.take_all();
                drop(entries);
                drop(removed);
            }
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
            let Some(cache) = &self.cache else {
                return Ok(None);
            };
            let key = {
                let entries = cache.get().lock(py)?;
                if entries.version() != self.version {
                    return Err(PyRuntimeError::new_err("LruCache mutated during iteration"));
                }
                self.next_slot.map(|slot| {
                    self.next_slot = entries.newer(slot);
                    entries.key(slot).clone_ref(py)
                })
            };
            if key.is_none() {
                self.cache = None;
            }
            Ok(key)
        }

        fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
            visit.call(&self.cache)
        }

        fn __clear__(&mut self) {
            self.cache = None;
        }
    }
}
