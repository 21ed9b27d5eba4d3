# %% [markdown]
# Measure first

**Level: beginner · about 10 minutes · CPU only**

Every speed-up starts with a number. In this notebook you will

1. guess where a small program spends its time, then let `%%perf` tell you,
2. learn the words performance people use: *wall time* and *CPU time*, *latency* and *throughput*, *p50, p95 and p99*,
3. try four classic fixes and measure each one before and after.

Nothing is downloaded: every piece of data is made up by the notebook itself.
# %%
%load_ext perfnb
import random
import time

import matplotlib.pyplot as plt

random.seed(0)
# %% [markdown]
## Why profile before optimizing

Here is a small "report" program. It makes up 20,000 orders, keeps the first order of each customer,
and formats one line per kept order. **Before running the next cells, guess:** which of the three steps
is slowest — making the orders, finding the first order per customer, or formatting?
# %%
def make_orders(n):
    return [{"id": i, "customer": random.randrange(n // 4), "amount": round(random.uniform(1, 500), 2)}
            for i in range(n)]


def first_order_per_customer(orders):
    seen = []
    firsts = []
    for order in orders:
        if order["customer"] not in seen:
            seen.append(order["customer"])
            firsts.append(order)
    return firsts


def format_report(orders):
    return [f"{o['id']:>6}  customer {o['customer']:>5}  {o['amount']:>8.2f} EUR" for o in orders]
# %% [markdown]
Now measure instead of guessing. `%%perf` runs the cell once and lists the lines that took the most time —
including the lines *inside* the functions defined in the cell above.
# %%
%%perf -o first
orders = make_orders(20_000)
firsts = first_order_per_customer(orders)
report = format_report(firsts)
# %% [markdown]
Read the table from the top: the first rows are where the time went. The `share` column is the fraction of the
whole cell, and `native` is the part of that time spent inside compiled code (C code such as the list
search `x in list`) rather than in Python bytecode.

You can also get the numbers as Python objects: `-o first` stored the profile in the variable `first`.
# %%
for line in first.top_lines(4):
    print(f"{line.time_s * 1000:8.1f} ms  {line.file} line {line.line}: {line.code}")
# %% [markdown]
Was your guess right? Most people guess "formatting strings" or "making random numbers", but the rows
above put `first_order_per_customer` at the top. Inside it, the search `order["customer"] not in seen` looks innocent, but `seen` is a list, so Python compares the customer with
every element already in it — the work grows with the *square* of the number of orders.
That is the whole point of profiling first: **the slow part is rarely where you expect it**, and an hour
spent speeding up the wrong line saves nothing.

## Wall time and CPU time

`%%perf` reports two clocks:

* **wall time** — what a stopwatch on the wall would show, from start to end;
* **CPU time** — how long a processor core actually worked for this process.

They differ when the program waits (for a disk, a network, a `sleep`, a lock) or when other programs
share the processor. Compare them for a cell that computes and a cell that waits:
# %%
%%perf -q -o busy
total = sum(i * i for i in range(2_000_000))
# %%
%%perf -q -o waiting
time.sleep(0.2)
# %%
for name, prof in [("computing", busy), ("waiting", waiting)]:
    print(f"{name:10} wall {prof.timing.wall_s * 1000:7.1f} ms   CPU {prof.timing.cpu_s * 1000:7.1f} ms")
# %% [markdown]
The waiting cell has almost no CPU time: the process was asleep. If your code's CPU time is much lower
than its wall time, making the Python faster will not help much — find out what it waits for instead.
(On a busy shared machine even the computing cell can show less CPU than wall time: other programs
took turns on the same cores.)

## Latency and throughput

* **Latency** is how long *one* request takes: one call of a function, one web request, one prediction.
* **Throughput** is how *many* requests finish per second.

One measurement of latency is not enough: the same code takes a different time on every run (caches,
the garbage collector, other programs). `%%perf -n 50 --warmup 3` runs the cell 3 times to warm up and
then 50 measured times, and reports the **distribution**:

* **p50** (the median): half of the runs were faster than this — the typical experience;
* **p95 / p99**: 95% / 99% of the runs were faster — the slow tail that some users *will* hit.

The function below handles one "request". Every 10th call it also has to refresh a cache, which
makes that call much slower — just like real services.
# %%
calls = 0


def handle_request():
    global calls
    calls += 1
    data = [random.random() for _ in range(5_000)]
    if calls % 10 == 0:  # every 10th request refreshes a cache: a slow call
        data = sorted(data * 8)
    return max(data)
# %%
%%perf -n 50 --warmup 3 -o latency
_ = handle_request()
# %%
runs_ms = [t * 1000 for t in latency.timing.runs_s]
p50, p95, p99 = (latency.timing.p50_s * 1000, latency.timing.p95_s * 1000, latency.timing.p99_s * 1000)
print(f"p50 {p50:.2f} ms   p95 {p95:.2f} ms   p99 {p99:.2f} ms   mean {latency.timing.mean_s * 1000:.2f} ms")
print(f"throughput at the median latency: about {1000 / p50:,.0f} requests per second on one core")

fig, ax = plt.subplots(figsize=(7, 3))
ax.hist(runs_ms, bins=25, color="#8fb3d9")
for value, label, color in [(p50, "p50", "green"), (p95, "p95", "orange"), (p99, "p99", "red")]:
    ax.axvline(value, color=color, linestyle="--", label=f"{label} {value:.2f} ms")
ax.set_xlabel("latency of one call (ms)")
ax.set_ylabel("runs")
ax.set_title("50 runs of handle_request()")
ax.legend()
plt.show()
# %% [markdown]
Look at the histogram: most runs sit together near p50, and a few slow ones form a separate group to the
right — the cache refreshes. The **mean** is pulled towards that tail, so it describes neither the
typical call nor the slow one. That is why latency targets are written as percentiles
("p99 under 50 ms"), and why you should look at p95/p99 and not only at the average.

`%%perf` also shows a 95% confidence interval for p50 in its header (`p50 … [low – high]`): if two
versions of your code have overlapping intervals, you have not shown that one is faster yet —
measure more runs.

## Four classic fixes, measured

Below are four small, common changes. For each one we run the slow and the fast version with `-n`
and compare the medians (p50). The numbers are from *your* machine, so read them from the output.
# %%
speedups = {}


def compare(name, slow, fast):
    ratio = slow.timing.p50_s / fast.timing.p50_s
    speedups[name] = (slow.timing.p50_s * 1000, fast.timing.p50_s * 1000)
    print(f"{name}: p50 {slow.timing.p50_s * 1000:.2f} ms -> {fast.timing.p50_s * 1000:.2f} ms "
          f"({ratio:.1f}x {'faster' if ratio >= 1 else 'slower'})")
# %% [markdown]
### Sets instead of lists

`x in some_list` looks at the elements one by one. `x in some_set` jumps straight to the right place
using a hash, so it takes about the same time however big the set is. This is the fix for our report.
# %%
def first_order_per_customer_set(orders):
    seen = set()
    firsts = []
    for order in orders:
        if order["customer"] not in seen:
            seen.add(order["customer"])
            firsts.append(order)
    return firsts


assert first_order_per_customer_set(orders) == first_order_per_customer(orders)  # same answer
# %%
%%perf -n 3 -q -o with_list
_ = first_order_per_customer(orders)
# %%
%%perf -n 3 -q -o with_set
_ = first_order_per_customer_set(orders)
# %%
compare("sets instead of lists", with_list, with_set)
# %% [markdown]
### Build once, not by copying

`result = result + [x]` creates a brand-new list and copies everything into it — every time.
`result.append(x)` adds to the same list. The same goes for strings built with `+=` in a loop versus
`"".join(parts)`.
# %%
def collect_by_copying(n):
    result = []
    for i in range(n):
        result = result + [i]
    return result


def collect_by_appending(n):
    result = []
    for i in range(n):
        result.append(i)
    return result
# %%
%%perf -n 5 -q -o copying
_ = collect_by_copying(8_000)
# %%
%%perf -n 5 -q -o appending
_ = collect_by_appending(8_000)
# %%
compare("build once, not by copying", copying, appending)
# %% [markdown]
### Sort once, search with bisect

To find, for many values, "how many prices are below this value?", scanning the whole list each time
is slow. Sort the list **once**, then use binary search (`bisect`), which needs only about 20 steps
for a million elements.
# %%
import bisect

prices = [random.uniform(0, 1000) for _ in range(20_000)]
limits = [random.uniform(0, 1000) for _ in range(200)]


def count_below_scan(prices, limits):
    return [sum(1 for p in prices if p < limit) for limit in limits]


def count_below_bisect(prices, limits):
    ordered = sorted(prices)  # sort once
    return [bisect.bisect_left(ordered, limit) for limit in limits]


assert count_below_scan(prices, limits[:20]) == count_below_bisect(prices, limits[:20])
# %%
%%perf -n 3 -q -o scanning
_ = count_below_scan(prices, limits)
# %%
%%perf -n 3 -q -o bisecting
_ = count_below_bisect(prices, limits)
# %%
compare("sort once, search with bisect", scanning, bisecting)
# %% [markdown]
### Hoist work out of loops

Work that gives the same result in every iteration belongs *before* the loop. Here the tax table is
rebuilt for every order — move it out.
# %%
def tax_table():
    return {country: 0.05 + 0.01 * (i % 20) for i, country in enumerate(f"C{i:03d}" for i in range(300))}


def totals_inside(orders):
    out = []
    for o in orders:
        rates = tax_table()  # the same table every time
        out.append(o["amount"] * (1 + rates[f"C{o['customer'] % 300:03d}"]))
    return out


def totals_hoisted(orders):
    rates = tax_table()  # built once
    return [o["amount"] * (1 + rates[f"C{o['customer'] % 300:03d}"]) for o in orders]


some_orders = orders[:1_000]
assert totals_inside(some_orders) == totals_hoisted(some_orders)
# %%
%%perf -n 3 -q -o inside
_ = totals_inside(some_orders)
# %%
%%perf -n 3 -q -o hoisted
_ = totals_hoisted(some_orders)
# %%
compare("hoist work out of loops", inside, hoisted)
# %% [markdown]
### Before and after

One picture for the four fixes (note the logarithmic axis: some fixes win by a lot more than others).
# %%
names = list(speedups)
before = [speedups[n][0] for n in names]
after = [speedups[n][1] for n in names]
fig, ax = plt.subplots(figsize=(7, 3.2))
y = range(len(names))
ax.barh([i + 0.2 for i in y], before, height=0.4, label="before", color="#d98f8f")
ax.barh([i - 0.2 for i in y], after, height=0.4, label="after", color="#8fd99b")
ax.set_yticks(list(y), names)
ax.set_xscale("log")
ax.set_xlabel("p50 latency (ms, log scale)")
ax.legend()
plt.tight_layout()
plt.show()
# %% [markdown]
The trade-offs are small here, but they exist: a set uses more memory than a list and forgets the
order of insertion; a sorted copy costs memory and one sort up front (worth it only if you search it
many times); hoisting needs the value to really be the same in every iteration.

## Self-check
# %% [quiz-helper]
# %%
quiz([
    ("A cell shows wall 2.0 s and CPU 0.1 s. What is most likely?",
     ["The Python code is slow and needs vectorizing", "The code spends most of its time waiting (I/O, sleep, a lock)",
      "The profiler is broken"], 1,
     "CPU time counts only the time a core worked for you; the rest of the wall time was spent waiting."),
    ("Your service has p50 = 20 ms and p99 = 900 ms. What does that mean?",
     ["Most requests are fast, but about 1 in 100 takes 900 ms or more", "The average request takes 900 ms",
      "Half of the requests take 900 ms"], 0,
     "p99 is the time that 99% of the requests stay under: the slow tail."),
    ("Why profile before optimizing?",
     ["Profilers make code faster", "The slow line is often not the one we expect",
      "Optimized code cannot be profiled"], 1,
     "Measuring shows where the time really goes, so your effort goes where it pays."),
    ("`if x not in seen` is the hot line and `seen` is a list of 10,000 items. The usual fix?",
     ["Make `seen` a set", "Sort the list every time", "Use a bigger computer"], 0,
     "A set lookup takes about the same time regardless of size; a list search checks items one by one."),
])
# %% [markdown]
## What you can do now

* Put `%%perf` on a slow cell and read which lines (also inside your functions) take the time.
* Tell wall time from CPU time, and know that a big gap means waiting.
* Measure latency as a distribution with `%%perf -n 50 --warmup 3` and read p50, p95 and p99.
* Compare two versions by their medians, and recognise four everyday fixes: sets, appending,
  sort + bisect, hoisting.

Next: [a CSV data pipeline](02-csv-pipeline.ipynb) — the same method on a realistic data job.
