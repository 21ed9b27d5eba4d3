# %% [markdown]
# How profilers work: sampling versus tracing

**Level: expert · about 20 minutes · CPU**

Every profiler answers "where did the time go?" by watching the program, and watching costs time.
There are two basic designs:

* **tracing** (deterministic) profilers get called on *every* function call and return (`cProfile`,
  `sys.setprofile`), or every line (`line_profiler`, `sys.settrace`): exact counts, but the overhead
  grows with the number of events — and distorts the very thing being measured;
* **sampling** (statistical) profilers look at the stack at regular intervals (a timer signal, or
  another thread): the overhead depends on the interval, not on the program, and the counts are
  estimates.

We build a tiny profiler of each kind in a few lines, then measure the overhead and the accuracy of
both — and of `cProfile`, `line_profiler` and perfnb — **side by side on the same workload**.
# %%
import os

# One thread for NumPy's matrix library (set before NumPy is imported): steadier timings on shared machines.
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")
%load_ext perfnb
import cProfile
import collections
import pstats
import signal
import statistics
import sys
import time

import matplotlib.pyplot as plt
import numpy as np

import perfnb
# %% [markdown]
## The workload

Two halves with very different shapes:

* `many_calls` makes 200,000 tiny Python function calls — the worst case for tracing;
* `native_math` does a few large matrix multiplications — almost no Python, all time in compiled
  code (which releases the GIL).

We time each half alone, without any profiler, to know the **true** split.
# %%
def tiny(x):
    return x + 1


def many_calls(n=200_000):
    s = 0
    for _ in range(n):
        s = tiny(s)
    return s


rng = np.random.default_rng(0)
matrix = rng.random((250, 250))


def native_math(repeats=30):
    a = matrix
    for _ in range(repeats):
        a = (a @ matrix) / 250
    return a


def workload():
    many_calls()
    native_math()


def bare_time(fn, rounds=5):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


true_calls, true_native = bare_time(many_calls), bare_time(native_math)
true_share = true_calls / (true_calls + true_native)
print(f"without a profiler: many_calls {true_calls * 1000:.1f} ms, native_math {true_native * 1000:.1f} ms "
      f"-> many_calls is {true_share:.0%} of the workload")
# %% [markdown]
## A tracing profiler in 25 lines

`sys.setprofile(fn)` makes Python call `fn(frame, event, arg)` on every function call and return.
We keep a stack of start times and add each function's elapsed time to its total (inclusive time).
# %%
class TinyTracer:
    def __init__(self):
        self.inclusive = collections.Counter()
        self.calls = collections.Counter()
        self._stack = []

    def _event(self, frame, event, arg):
        if event == "call":
            self._stack.append((frame.f_code.co_name, time.perf_counter()))
        elif event == "return" and self._stack:
            name, started = self._stack.pop()
            self.inclusive[name] += time.perf_counter() - started
            self.calls[name] += 1

    def __enter__(self):
        sys.setprofile(self._event)
        return self

    def __exit__(self, *exc):
        sys.setprofile(None)


with TinyTracer() as tracer:
    workload()
print("calls:", dict(tracer.calls))
print({name: f"{seconds * 1000:.1f} ms" for name, seconds in tracer.inclusive.most_common(4)})
# %% [markdown]
## A sampling profiler in 25 lines

`signal.setitimer` delivers `SIGALRM` every millisecond; the handler receives the current frame and
walks `f_back` to record the stack. Two subtleties, both visible in the results below:

1. Python runs signal handlers only *between* bytecodes, in the main thread. During a long call into
   compiled code (a matrix multiply), the timer fires but the handler runs only when the call returns —
   and several missed ticks collapse into one. A profiler that just *counts* samples under-counts native
   code.
2. The fix: charge each sample with the **time elapsed since the previous sample** rather than one tick.
   This is what perfnb's sampler does (and it additionally watches from a thread to put the time on
   the right line).
# %%
class TinySampler:
    def __init__(self, interval=0.001):
        self.interval = interval
        self.counts = collections.Counter()   # samples per function on the stack
        self.weighted = collections.Counter()  # seconds per function on the stack

    def _tick(self, signum, frame):
        now = time.perf_counter()
        elapsed, self._last = now - self._last, now
        names = set()
        while frame is not None:
            names.add(frame.f_code.co_name)
            frame = frame.f_back
        for name in names:
            self.counts[name] += 1
            self.weighted[name] += elapsed

    def __enter__(self):
        self._previous = signal.signal(signal.SIGALRM, self._tick)
        self._last = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, self.interval, self.interval)
        return self

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, self._previous)


with TinySampler() as sampler:
    workload()
print("samples:", {k: sampler.counts[k] for k in ("many_calls", "native_math")})
print("time-weighted:", {k: f"{sampler.weighted[k] * 1000:.1f} ms" for k in ("many_calls", "native_math")})
# %% [markdown]
## Accuracy: who sees the true split?

For every profiler we compute the share of `many_calls` in the workload and compare it with the
true share measured without a profiler.
# %%
def share(a, b):
    return a / (a + b) if a + b else float("nan")


def measure_cprofile():
    profiler = cProfile.Profile()
    profiler.runcall(workload)
    stats = {fn[2]: row[3] for fn, row in pstats.Stats(profiler).stats.items()}  # cumulative time by name
    return share(stats.get("many_calls", 0), stats.get("native_math", 0))


def measure_perfnb():
    with perfnb.profile() as run:
        workload()
    totals = collections.Counter()
    for node in run.profile.tree.walk():
        name = node.name.split(".")[-1]
        if name in ("many_calls", "native_math"):
            totals[name] += node.time_s
    return share(totals["many_calls"], totals["native_math"])


accuracy_rows = {
    "true (no profiler)": true_share,
    "tiny tracer": share(tracer.inclusive["many_calls"], tracer.inclusive["native_math"]),
    "tiny sampler, counting samples": share(sampler.counts["many_calls"], sampler.counts["native_math"]),
    "tiny sampler, time-weighted": share(sampler.weighted["many_calls"], sampler.weighted["native_math"]),
    "cProfile": measure_cprofile(),
    "perfnb": measure_perfnb(),
}
for name, value in accuracy_rows.items():
    print(f"{name:32} many_calls = {value:6.1%} of the workload")
# %% [markdown]
How to read it (your numbers are above):

* The **tracers** inflate `many_calls`: each of its 200,000 calls pays for two profiler events, while
  the few calls of `native_math` pay almost nothing. The profiler changed the proportions it reports.
* The **sampler that counts samples** typically *inflates* `many_calls` too, for the opposite reason:
  it under-counts `native_math`, whose ticks arrive late and merge into one.
* The **time-weighted sampler** and perfnb should land much closer to the true share — as estimates
  from a few hundred samples, a few percentage points either way are normal.

## Overhead measured side by side

Now the cost. Every profiler runs the same workload, in interleaved rounds (A B C D … A B C D …) so
that a noisy moment on the machine affects all of them alike; we report the median time of each
relative to the bare run.
# %%
def run_bare():
    workload()


def run_tiny_tracer():
    with TinyTracer():
        workload()


def run_tiny_sampler():
    with TinySampler():
        workload()


def run_cprofile():
    cProfile.Profile().runcall(workload)


def run_perfnb():
    with perfnb.profile():
        workload()


tools = {"bare": run_bare, "tiny sampler": run_tiny_sampler, "perfnb": run_perfnb,
         "cProfile": run_cprofile, "tiny tracer": run_tiny_tracer}
try:
    from line_profiler import LineProfiler

    def run_line_profiler():
        LineProfiler(many_calls, tiny, native_math).runcall(workload)

    tools["line_profiler"] = run_line_profiler
except ImportError:
    print("line_profiler is not installed: skipping it")

timings = {name: [] for name in tools}
for _ in range(5):
    for name, fn in tools.items():
        start = time.perf_counter()
        fn()
        timings[name].append(time.perf_counter() - start)

bare = statistics.median(timings["bare"])
overhead = {name: statistics.median(t) / bare for name, t in timings.items()}
for name, ratio in overhead.items():
    print(f"{name:14} {statistics.median(timings[name]) * 1000:8.1f} ms   {ratio:5.2f}x bare")
# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.4))
names = list(overhead)
ax1.barh(names[::-1], [overhead[n] for n in names][::-1], color="#8fb3d9")
ax1.axvline(1, color="black", linewidth=0.8)
ax1.set_xlabel("time relative to no profiler (1 = no overhead)")
ax1.set_title("overhead on this workload")
rows = list(accuracy_rows)
ax2.barh(rows[::-1], [accuracy_rows[r] * 100 for r in rows][::-1],
         color=["#8fd99b" if r.startswith("true") else "#f2c57c" for r in rows][::-1])
ax2.axvline(true_share * 100, color="green", linestyle="--")
ax2.set_xlabel("share of time reported for many_calls (%)")
ax2.set_title("accuracy: dashed line = truth")
plt.tight_layout()
plt.show()
# %% [markdown]
The overhead of a tracer is proportional to the number of events, so it depends on the *program*: on
this call-heavy workload it is large, on a NumPy-heavy one it is small. A sampler's overhead depends on
its *interval*: about the same on any program. That is why sampling is the default in perfnb, and
tracing (`%%perf --lines`, exact hit counts with line_profiler) is an opt-in for when you need counts.

## What a production sampler adds

The tiny sampler above is the heart of the idea. perfnb's sampler adds, among other things:

* a **watcher thread** that sees which line is in native code while the main thread is busy there,
  so a matrix multiply is charged to its own line even though the handler runs later;
* a **Python/native split** per line (the delay before the handler could run);
* an **interval that grows** on long cells to keep the overhead and the stored profile small;
* call trees named as you see the code (`In [5] line 3`), and samples from other threads.

## Self-check
# %% [quiz-helper]
# %%
quiz([
    ("Why does cProfile report a bigger share for a function with many tiny calls?",
     ["Its per-call overhead is added to that function's measured time", "It samples too rarely", "It ignores C code"], 0,
     "A tracer pays for every call and return event; call-heavy code looks slower than it is."),
    ("Why does a signal-based sampler that only counts samples under-count long native calls?",
     ["Native code is invisible to Python", "Handlers run only between bytecodes, so ticks during the call merge into one",
      "Signals are disabled in NumPy"], 1,
     "Weighting each sample by the elapsed time since the previous one fixes the total."),
    ("What does a sampling profiler's overhead mainly depend on?",
     ["The number of function calls", "The sampling interval", "The size of the data"], 1,
     "It does a fixed amount of work per tick, whatever the program does in between."),
    ("When is a tracing profiler the right tool?",
     ["When you need exact call or hit counts", "Always", "When overhead must be minimal"], 0,
     "Exact counts need every event; accept the overhead, and don't trust its time proportions blindly."),
])
# %% [markdown]
## What you can do now

* Explain the difference between tracing and sampling profilers and their failure modes.
* Write a minimal tracer (`sys.setprofile`) and a minimal sampler (`signal.setitimer`).
* Measure profiler overhead fairly: interleaved rounds, medians, ratios to a bare run.
* Judge a profile's proportions knowing how it was collected.

Back to the [index](../index.ipynb).
