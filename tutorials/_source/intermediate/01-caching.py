# %% [markdown]
# Caching and memoization

**Level: intermediate · about 15 minutes · CPU only**

The fastest code is code that does not run. If a function is called again and again with the same
arguments and always returns the same result, you can remember (cache) the result. This notebook:

1. profiles a price service that recomputes the same quotes over and over,
2. adds `functools.lru_cache` and reads its hit rate,
3. looks at what can go wrong: **cache keys** that never repeat, **stale data** (invalidation), and
   the **stampede** when many threads miss the same key at the same moment.
# %%
%load_ext perfnb
import functools
import random
import threading
import time

import matplotlib.pyplot as plt
import numpy as np
# %% [markdown]
## A slow lookup

`quote(product)` stands for an expensive, *pure* computation: its result depends only on its argument.
Requests follow a realistic pattern — a few popular products are asked for very often, most rarely
(a Zipf distribution).
# %%
def quote(product: int) -> float:
    """An expensive pure computation (think: pricing model, template rendering, parsing)."""
    rng = random.Random(product)
    price = 0.0
    for _ in range(500):
        price += rng.random()
    return round(price / 5, 2)


rng = np.random.default_rng(0)
requests = (rng.zipf(1.3, size=10_000) % 1_000).tolist()
print(f"{len(requests):,} requests for {len(set(requests)):,} distinct products")
# %%
%%perf -o uncached
prices = [quote(p) for p in requests]
# %% [markdown]
Almost all the time is inside `quote` — computing answers we already computed before: there are far
fewer distinct products than requests.

## functools cache

`functools.lru_cache(maxsize=N)` keeps the last N distinct results in a dictionary keyed by the
arguments (`functools.cache` is the same without a size limit). A repeated call becomes a dictionary
lookup.
# %%
@functools.lru_cache(maxsize=None)
def quote_cached(product: int) -> float:
    return quote(product)
# %%
%%perf -o cached
prices_cached = [quote_cached(p) for p in requests]
# %%
assert prices_cached == prices
info = quote_cached.cache_info()
print(info)
print(f"hit rate {info.hits / (info.hits + info.misses):.1%}; "
      f"{uncached.timing.wall_s:.2f} s -> {cached.timing.wall_s:.2f} s "
      f"({uncached.timing.wall_s / cached.timing.wall_s:.1f}x faster)")
# %% [markdown]
Only misses do the real work, so the best possible speed-up is about `requests / misses` (the lookups
themselves cost a little). The cache is only as good
as its **hit rate**, and the hit rate depends on two choices you make: the **size** and the **key**.

## Cache size and hit rate

A bounded cache (`maxsize=N`) evicts the least recently used entry when full. Smaller caches use less
memory but miss more. Let us measure the hit rate and the time for a few sizes:
# %%
sizes = [8, 32, 128, 512, 2048]
hit_rates, times = [], []
for size in sizes:
    cached_quote = functools.lru_cache(maxsize=size)(quote)
    start = time.perf_counter()
    for p in requests:
        cached_quote(p)
    times.append(time.perf_counter() - start)
    info = cached_quote.cache_info()
    hit_rates.append(info.hits / (info.hits + info.misses))

fig, ax1 = plt.subplots(figsize=(7, 3))
ax1.plot(sizes, [h * 100 for h in hit_rates], "o-", color="tab:green")
ax1.set_xscale("log")
ax1.set_xlabel("lru_cache maxsize (entries)")
ax1.set_ylabel("hit rate (%)", color="tab:green")
ax2 = ax1.twinx()
ax2.plot(sizes, times, "s--", color="tab:red")
ax2.set_ylabel("time for all requests (s)", color="tab:red")
ax1.set_title("A bigger cache: more hits, less time, more memory")
plt.tight_layout()
plt.show()
for size, rate, t in zip(sizes, hit_rates, times):
    print(f"maxsize {size:5}: hit rate {rate:6.1%}   {t:.3f} s")
# %% [markdown]
Because the requests are skewed, even a small cache catches the popular products. Read the curve to
pick the size where extra entries stop paying off.

## Cache keys

The key is *all* the arguments. Two mistakes are common:

* **Unhashable arguments** — `lru_cache` cannot hash a list or a dict (`TypeError`). Pass a tuple or a
  frozen object instead.
* **Arguments that never repeat** — a timestamp, a request id or a logger in the arguments makes every
  key unique, and the hit rate drops to zero while the cache still costs memory.
# %%
@functools.lru_cache(maxsize=None)
def quote_with_timestamp(product: int, requested_at: float) -> float:  # requested_at is not used!
    return quote(product)


for p in requests[:2_000]:
    quote_with_timestamp(p, time.time())
print("with a timestamp in the key:", quote_with_timestamp.cache_info())

try:
    quote_cached([1, 2, 3])
except TypeError as error:
    print("a list as an argument:", error)
# %% [markdown]
Fix: keep only what determines the result in the key — cache the inner function that takes
`product`, and leave the timestamp outside.

## Invalidation

A cache is a copy, and copies go stale. When the data behind `quote` changes (a new price list), the
cached results are wrong until they are removed. Three common strategies:

1. **clear** everything when you know the data changed (`quote_cached.cache_clear()`),
2. put a **version** of the data into the key, so old entries are simply never asked for again,
3. give entries a **time to live** (TTL), accepting results up to N seconds old.

Here is strategy 2, which is exact and needs no coordination:
# %%
price_list_version = 1


@functools.lru_cache(maxsize=4096)
def quote_versioned(product: int, version: int) -> float:
    return quote(product) * (1.10 if version >= 2 else 1.0)  # version 2: prices went up 10%


before = quote_versioned(42, price_list_version)
price_list_version = 2  # the price list changed
after = quote_versioned(42, price_list_version)
print(f"product 42: {before} with version 1, {after} with version 2 — no stale answer")
print(quote_versioned.cache_info())
# %% [markdown]
## The stampede problem

Caches get harder with threads. Imagine 16 request threads asking for the same popular product just
after the cache was cleared. Each one misses, and each one starts the expensive computation —
16 times the same work, all at once, exactly when the system is busiest. This is a **cache
stampede** (also called *thundering herd* or *dog-piling*).

We simulate a slow backend (`time.sleep`, like a database query) and count how often it really runs.
# %%
backend_calls = 0
counter_lock = threading.Lock()


def slow_backend(key):
    global backend_calls
    with counter_lock:
        backend_calls += 1
    time.sleep(0.05)  # 50 ms: a database or network call
    return f"value for {key}"


class NaiveCache:
    def __init__(self):
        self.data = {}

    def get(self, key):
        if key not in self.data:  # every thread that gets here before the first one finishes misses
            self.data[key] = slow_backend(key)
        return self.data[key]


class SingleFlightCache:
    """Only one thread computes a missing key; the others wait for its result."""

    def __init__(self):
        self.data = {}
        self.lock = threading.Lock()
        self.in_flight = {}

    def get(self, key):
        with self.lock:
            if key in self.data:
                return self.data[key]
            event = self.in_flight.get(key)
            leader = event is None
            if leader:
                event = self.in_flight[key] = threading.Event()
        if leader:
            value = slow_backend(key)
            with self.lock:
                self.data[key] = value
                del self.in_flight[key]
            event.set()
            return value
        event.wait()
        return self.data[key]


def stampede(cache, threads=16):
    global backend_calls
    backend_calls = 0
    workers = [threading.Thread(target=cache.get, args=("popular-product",)) for _ in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return backend_calls, time.perf_counter() - start
# %%
%%perf -o naive_run
naive = stampede(NaiveCache())
# %%
%%perf -o single_run
single = stampede(SingleFlightCache())
# %%
print(f"naive cache:         {naive[0]:2} backend calls in {naive[1] * 1000:.0f} ms")
print(f"single-flight cache: {single[0]:2} backend calls in {single[1] * 1000:.0f} ms")
print(f"CPU time (whole cell): naive {naive_run.timing.cpu_s * 1000:.0f} ms, single flight {single_run.timing.cpu_s * 1000:.0f} ms")
# %% [markdown]
Both versions take about one backend call's time of wall clock — the threads waited in parallel —
so a wall-clock measurement alone would not show the problem. The **backend call count** does: the
naive cache sent (nearly) every thread to the backend, the single-flight cache exactly one. On a real
database, that difference decides whether a cache flush is harmless or takes the service down.
Other remedies: refresh popular entries *before* they expire, or add random jitter to TTLs so entries
don't all expire together.

## Self-check
# %% [quiz-helper]
# %%
quiz([
    ("Which function is safe to cache with lru_cache?",
     ["One that reads the current time", "One whose result depends only on its arguments",
      "One that appends to a global list"], 1,
     "Memoization is only correct for pure functions: same arguments, same result, no side effects."),
    ("Your cache has a 0% hit rate although users ask for the same products. The likely cause?",
     ["The cache is too big", "An argument that never repeats (like a timestamp) is part of the key",
      "Python dictionaries are slow"], 1,
     "Everything in the arguments is in the key; one always-new argument makes every key unique."),
    ("How does putting a data version into the key invalidate a cache?",
     ["It deletes old entries immediately", "New calls use a new key, so old entries are never returned",
      "It makes the cache thread-safe"], 1,
     "Old entries stay until evicted, but they can no longer be hit: no stale answers."),
    ("What is a cache stampede?",
     ["Many callers miss the same key at once and all recompute it", "A cache that grows without limit",
      "A cache with too many hits"], 0,
     "Single-flight (one computes, the others wait), early refresh and TTL jitter are the usual remedies."),
])
# %% [markdown]
## What you can do now

* Spot a memoization opportunity in a profile: a pure function taking a large share of the time,
  called with repeating arguments.
* Add `functools.lru_cache`, read `cache_info()` and choose a size from a hit-rate curve.
* Design cache keys (hashable, only what determines the result) and invalidate with versions,
  `cache_clear()` or TTLs.
* Recognise and prevent a cache stampede with a single-flight cache.

Next: [vectorization with NumPy and pandas](02-vectorization.ipynb).
