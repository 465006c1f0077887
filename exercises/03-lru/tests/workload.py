"""The perf workload of `baseline.py`, run on your `lrucache.LruCache` (the `[[perf]]` candidate)."""
import lrucache

from baseline import run_workload


def workload_with_lrucache(capacity, keys):
    return run_workload(lrucache.LruCache, capacity, keys)
