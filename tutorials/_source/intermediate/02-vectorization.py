# %% [markdown]
# Vectorization with NumPy and pandas

**Level: intermediate · about 20 minutes · CPU only**

Python executes one bytecode instruction at a time, with type checks and reference counting around
every `+`. NumPy and pandas run the same arithmetic in compiled loops over whole arrays. This notebook
takes a small scoring job through the standard moves, measuring each one:

* replace the loop with array operations, and use ufuncs instead of `math`,
* avoid hidden copies (views, in-place operations) and pick `float32` where it serves,
* do the same in pandas (columns instead of `apply`),
* and, for work that cannot be vectorized, use a process pool.
# %%
%load_ext perfnb
import math
import tracemalloc

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

rng = np.random.default_rng(0)
N = 300_000
x = rng.normal(size=N)
y = rng.normal(size=N)
results = {}  # name -> p50 seconds, for the picture at the end
# %% [markdown]
## The loop

For every point we compute its distance to the origin and a score that decays with the distance —
written the way it would be written in plain Python:
# %%
def scores_loop(x, y):
    out = []
    for i in range(len(x)):
        d = math.sqrt(x[i] ** 2 + y[i] ** 2)
        out.append(math.exp(-d) * 100)
    return out
# %%
%%perf -o loop
s_loop = scores_loop(x, y)
# %% [markdown]
All the time is in the loop body of `scores_loop`: the Python interpreter handles 300,000 iterations,
one element at a time, each `x[i]` creating a new NumPy scalar object and each `math` call converting
it back to a Python float.

## Replace the loop with array operations

The same formula, written on whole arrays. No loop in Python: each operation runs once, over all
elements, in compiled code.
# %%
def scores_vectorized(x, y):
    d = np.sqrt(x ** 2 + y ** 2)
    return np.exp(-d) * 100
# %%
%%perf -n 10 -o vectorized
s_vec = scores_vectorized(x, y)
# %%
assert np.allclose(s_vec, s_loop)
results["python loop"] = loop.timing.wall_s
results["array operations"] = vectorized.timing.p50_s
print(f"loop {loop.timing.wall_s * 1000:.0f} ms -> vectorized p50 {vectorized.timing.p50_s * 1000:.2f} ms "
      f"({loop.timing.wall_s / vectorized.timing.p50_s:.0f}x faster)")
# %% [markdown]
## Ufuncs instead of math

`math.exp` works on one Python float. Called on NumPy data it must convert element by element — and
it fails on arrays. `np.exp` is a **ufunc** (universal function): it takes a whole array.
`np.vectorize` looks like a fix but is only a loop in disguise; measure it:
# %%
d = np.sqrt(x ** 2 + y ** 2)
math_exp_everywhere = np.vectorize(math.exp)
# %%
%%perf -n 3 -q -o with_np_vectorize
_ = math_exp_everywhere(-d)
# %%
%%perf -n 10 -q -o with_ufunc
_ = np.exp(-d)
# %%
results["np.vectorize(math.exp)"] = with_np_vectorize.timing.p50_s
results["np.exp (ufunc)"] = with_ufunc.timing.p50_s
print(f"np.vectorize(math.exp): p50 {with_np_vectorize.timing.p50_s * 1000:.1f} ms")
print(f"np.exp:                 p50 {with_ufunc.timing.p50_s * 1000:.2f} ms")
# %% [markdown]
Same result, very different cost: `np.vectorize` still calls a Python function for every element.

## Views, not copies

Slicing a NumPy array with `start:stop:step` returns a **view**: a new array object that looks at the
same memory, created in microseconds whatever the size. Indexing with a list or a boolean mask
(*fancy indexing*) returns a **copy**. Copies cost time and memory — and changes to a copy do not
reach the original.
# %%
big = rng.normal(size=(2_000, 2_000))
view = big[:, :1_000]          # a view: no data copied
copy = big[:, list(range(1_000))]  # fancy indexing: a copy
print("view shares memory with big:", np.shares_memory(view, big))
print("copy shares memory with big:", np.shares_memory(copy, big))
# %%
%%perf -n 20 -q -o taking_view
_ = big[:, :1_000]
# %%
%%perf -n 20 -q -o taking_copy
_ = big[:, list(range(1_000))]
# %%
print(f"taking a view: p50 {taking_view.timing.p50_s * 1e6:.1f} µs;  making a copy: p50 {taking_copy.timing.p50_s * 1000:.2f} ms "
      f"and {copy.nbytes / 1e6:.0f} MB of new memory")
# %% [markdown]
## In-place operations

`a = a * 2 + 1` creates a temporary array for `a * 2`, another one for `+ 1`, and then drops the old
`a`. With `out=` and the augmented operators (`*=`, `+=`) NumPy writes into the existing buffer.
NumPy reports its buffers to `tracemalloc`, so we can measure the peak memory of each version:
# %%
def peak_mb(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def with_temporaries():
    a = np.ones(4_000_000)
    a = a * 2 + 1
    return a


def in_place():
    a = np.ones(4_000_000)
    np.multiply(a, 2, out=a)
    a += 1
    return a


assert np.array_equal(with_temporaries(), in_place())
print(f"peak memory: with temporaries {peak_mb(with_temporaries):.0f} MB, in place {peak_mb(in_place):.0f} MB")
# %%
%%perf -n 10 -q -o temporaries
_ = with_temporaries()
# %%
%%perf -n 10 -q -o inplace
_ = in_place()
# %%
print(f"p50: with temporaries {temporaries.timing.p50_s * 1000:.1f} ms, in place {inplace.timing.p50_s * 1000:.1f} ms")
# %% [markdown]
In-place updates keep peak memory at one array instead of several, and usually save time because
fresh memory does not have to be requested and filled. The trade-off: the old values are gone, so
only do it on arrays nobody else needs.

## Float32 where it serves

`float64` is NumPy's default. `float32` halves the memory and the bytes moved, which speeds up
memory-bound work like our scoring — at the cost of precision (about 7 significant digits instead
of 16).
# %%
x32, y32 = x.astype(np.float32), y.astype(np.float32)
# %%
%%perf -n 10 -q -o f64
_ = scores_vectorized(x, y)
# %%
%%perf -n 10 -q -o f32
_ = scores_vectorized(x32, y32)
# %%
s32 = scores_vectorized(x32, y32)
results["float32 arrays"] = f32.timing.p50_s
print(f"p50 float64 {f64.timing.p50_s * 1000:.2f} ms, float32 {f32.timing.p50_s * 1000:.2f} ms")
print(f"largest difference in a score: {np.max(np.abs(s32 - s_vec)):.2e} (scores range up to 100)")
print(f"sum of all scores: float64 {s_vec.sum():.6f}, float32 {s32.sum(dtype=np.float32):.6f}")
# %% [markdown]
The individual scores differ only in the last digits; long **sums** accumulate the error, which is why
the two totals above differ more. Use `float32` for data and models where those digits don't matter
(images, features, neural networks), and keep `float64` (or accumulate in `float64`) for money and
long sums.

## pandas: columns instead of apply

pandas sits on NumPy, and the same rule holds: `DataFrame.apply(..., axis=1)` calls a Python function
per row; column expressions run vectorized. (A smaller table here: `apply` is slow enough at 60,000 rows.)
# %%
df = pd.DataFrame({"x": x[:60_000], "y": y[:60_000], "group": rng.integers(0, 50, size=60_000)})  # 60,000 rows
# %%
%%perf -o pandas_apply
df["score"] = df.apply(lambda row: math.exp(-math.hypot(row["x"], row["y"])) * 100, axis=1)
# %%
%%perf -n 10 -o pandas_columns
df["score_fast"] = np.exp(-np.hypot(df["x"], df["y"])) * 100
# %%
assert np.allclose(df["score"], df["score_fast"])
results["pandas apply(axis=1), 60k rows"] = pandas_apply.timing.wall_s
results["pandas columns, 60k rows"] = pandas_columns.timing.p50_s
print(f"apply: {pandas_apply.timing.wall_s:.2f} s   columns: p50 {pandas_columns.timing.p50_s * 1000:.2f} ms")
print(df.groupby("group")["score_fast"].mean().head())
# %% [markdown]
`groupby(...).mean()` is the column-wise answer to "a loop that fills a dictionary per group".

## Process pools

Some work cannot be written as array operations: each item runs its own little algorithm with
branches and a data-dependent number of steps. The Collatz sequence is such a case. Then the remaining
lever is to use more CPU cores: `concurrent.futures.ProcessPoolExecutor` runs the function in
separate processes, each with its own interpreter (threads would not help: the GIL lets only one
thread run Python bytecode at a time).
# %%
import concurrent.futures
import multiprocessing
import os


def collatz_steps(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def longest_chain(start, stop):
    return max(range(start, stop), key=collatz_steps)


def chunks(stop, parts):
    edges = np.linspace(1, stop, parts + 1).astype(int)
    return list(zip(edges[:-1], edges[1:]))


cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
print(f"this machine lets us use {cores} CPU cores")
# %%
%%perf -o serial
best_serial = max((longest_chain(a, b) for a, b in chunks(150_000, 4)), key=collatz_steps)
# %%
%%perf -o pooled
# "fork" starts the workers as copies of this kernel, so they know the functions defined above
with concurrent.futures.ProcessPoolExecutor(max_workers=cores, mp_context=multiprocessing.get_context("fork")) as pool:
    starts, stops = zip(*chunks(150_000, 4))
    best_pooled = max(pool.map(longest_chain, starts, stops), key=collatz_steps)
# %%
assert best_serial == best_pooled
print(f"serial {serial.timing.wall_s:.2f} s, process pool with {cores} workers {pooled.timing.wall_s:.2f} s "
      f"({serial.timing.wall_s / pooled.timing.wall_s:.1f}x)")
print(f"CPU time seen by the notebook's own process: serial {serial.timing.cpu_s:.2f} s, pooled {pooled.timing.cpu_s:.2f} s")
# %% [markdown]
Read the two wall times above. With N free cores the best case is N times faster; starting the
processes and sending arguments and results between them (pickling) costs something, and on a shared
machine the other cores may be busy, so the gain can be smaller — or nothing at all with a single
core. Notice also that the pooled cell's own CPU time is small: the work happened in the worker
processes, which a profiler of the notebook's process does not see.

A process pool is the right tool for coarse, independent chunks of pure-Python work. For array math,
vectorize first: it usually wins by far more than the number of cores.

## Before and after
# %%
names = list(results)
fig, ax = plt.subplots(figsize=(7, 3.4))
ax.barh(names[::-1], [results[n] * 1000 for n in names][::-1], color="#8fb3d9")
ax.set_xscale("log")
ax.set_xlabel("time for 300,000 points, pandas: 60,000 rows (ms, log scale)")
ax.set_title("Loops versus array operations")
plt.tight_layout()
plt.show()
# %% [markdown]
## Self-check
# %% [quiz-helper]
# %%
quiz([
    ("Why is `np.vectorize(math.exp)` slow?",
     ["It still calls a Python function once per element", "It uses float32", "It copies the array twice"], 0,
     "np.vectorize is a convenience loop, not compiled vectorization. Use the ufunc np.exp."),
    ("Which expression returns a view (no copy)?",
     ["a[[0, 2, 4]]", "a[a > 0]", "a[::2]"], 2,
     "Basic slicing with start:stop:step gives a view; lists and boolean masks give copies."),
    ("`a = a * 2 + 1` on a 1 GB array. What does the in-place version save?",
     ["Nothing, NumPy optimizes it anyway", "The temporary arrays: peak memory and some time",
      "Only CPU time, not memory"], 1,
     "Each intermediate result is a new array of the same size; out= and += reuse the buffer."),
    ("When is float32 a poor choice?",
     ["Image pixels", "Neural network weights", "Summing millions of money amounts"], 2,
     "float32 keeps about 7 significant digits; long sums of money need float64 (or decimal)."),
    ("A loop of pure-Python work with branches can't be vectorized. What can still help?",
     ["Threads", "A process pool over independent chunks", "pandas apply"], 1,
     "Processes run in parallel on several cores; threads share one GIL for Python bytecode."),
])
# %% [markdown]
## What you can do now

* Rewrite element-wise Python loops as NumPy array expressions and ufuncs, and check with `np.allclose`.
* Tell views from copies, and cut temporaries with `out=` and in-place operators.
* Choose `float32` knowingly, and measure the error it introduces.
* Replace `DataFrame.apply(axis=1)` with column expressions and `groupby`.
* Parallelize un-vectorizable work with a process pool, and judge the result on your core count.

Next: [benchmark a PyTorch model](03-pytorch-benchmark.ipynb).
