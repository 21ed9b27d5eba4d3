# %% [markdown]
# Profile and speed up a CSV data pipeline

**Level: beginner · about 15 minutes · CPU only**

A typical first data job: read a CSV file, find the "VIP" customers (anyone who ever placed an order
over 490 EUR), and add up what those customers spent per store. We will

1. write a first, straightforward version,
2. let `%%perf` point at the slow lines,
3. fix them one at a time — **sets instead of lists**, **generators** to save memory,
   **columns instead of rows** with NumPy — measuring after every change.

The notebook writes its own CSV file into a temporary folder; nothing is downloaded.
# %%
%load_ext perfnb
import csv
import random
import tempfile
import tracemalloc
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
# %% [markdown]
## Build a test file

30,000 orders, 10,000 customers, 25 stores.
# %%
random.seed(1)
folder = Path(tempfile.mkdtemp(prefix="perfnb-csv-"))
path = folder / "orders.csv"
with open(path, "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["order_id", "customer", "store", "quantity", "amount"])
    for i in range(30_000):
        writer.writerow([i, f"C{random.randrange(10_000):05d}", f"S{random.randrange(25):02d}",
                         random.randint(1, 5), round(random.uniform(1, 500), 2)])
print(f"{path.stat().st_size / 1e6:.1f} MB written to {path}")
print(path.read_text().splitlines()[:3])
# %% [markdown]
## The first version

Straightforward Python: read every row into a list of dictionaries, collect the VIP customers in a
list, then go over the rows again and add up the money per store.
# %%
def load_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def vip_totals_v1(path):
    rows = load_rows(path)
    vips = []
    for row in rows:
        if float(row["amount"]) > 490 and row["customer"] not in vips:
            vips.append(row["customer"])
    totals = {}
    for row in rows:
        if row["customer"] in vips:
            store = row["store"]
            totals[store] = totals.get(store, 0.0) + int(row["quantity"]) * float(row["amount"])
    return totals
# %% [markdown]
## Find the hot lines

Profile one run. Look for the rows of the table that belong to `vip_totals_v1` (`In [..]` with the
function's name in brackets).
# %%
%%perf -o v1
totals_v1 = vip_totals_v1(path)
# %% [markdown]
The time goes into `vip_totals_v1`, mostly into the two loops — and both of them ask
"is this customer in `vips`?". `vips` is a **list** with hundreds of entries, so each question
compares the customer with the entries one by one: 30,000 rows × hundreds of comparisons.
Reading and parsing the file is a much smaller part.
# %%
print(f"{len(totals_v1)} stores, {sum(totals_v1.values()):,.0f} EUR in total")
print("the slowest lines:")
for line in v1.top_lines(5):
    print(f"  {line.time_s * 1000:8.1f} ms  {line.file} line {line.line}: {line.code}")
# %% [markdown]
## Sets instead of lists

One change: `vips` becomes a `set`. Membership in a set is a hash lookup — the same cost whether it
holds ten customers or ten million. Everything else stays the same.
# %%
def vip_totals_v2(path):
    rows = load_rows(path)
    vips = set()
    for row in rows:
        if float(row["amount"]) > 490:
            vips.add(row["customer"])
    totals = {}
    for row in rows:
        if row["customer"] in vips:
            store = row["store"]
            totals[store] = totals.get(store, 0.0) + int(row["quantity"]) * float(row["amount"])
    return totals
# %%
%%perf -o v2
totals_v2 = vip_totals_v2(path)
# %%
assert totals_v2 == totals_v1  # same answer, exactly
print(f"v1 {v1.timing.wall_s:.3f} s  ->  v2 {v2.timing.wall_s:.3f} s  ({v1.timing.wall_s / v2.timing.wall_s:.1f}x faster)")
# %% [markdown]
Now the profile of v2 looks completely different: reading the CSV (`load_rows`, the `csv` module) is
the biggest part. That is normal: **after every fix the bottleneck moves**, so profile again before
the next change.

## Stream with a generator

`load_rows` keeps *every* row in memory as a dictionary at once. For a file of a few MB that is fine;
for a file of 20 GB it is not. A **generator** yields one row at a time, so memory stays small —
the price is that we have to read the file twice, once per loop.

`tracemalloc` (from Python's standard library) tells us the most memory Python held at once:
# %%
def iter_rows(path):
    with open(path, newline="") as f:
        yield from csv.DictReader(f)


def vip_totals_streaming(path):
    vips = {row["customer"] for row in iter_rows(path) if float(row["amount"]) > 490}
    totals = {}
    for row in iter_rows(path):  # second pass over the file
        if row["customer"] in vips:
            store = row["store"]
            totals[store] = totals.get(store, 0.0) + int(row["quantity"]) * float(row["amount"])
    return totals


def peak_memory_mb(function, *args):
    tracemalloc.start()
    try:
        function(*args)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


memory_list = peak_memory_mb(vip_totals_v2, path)
memory_stream = peak_memory_mb(vip_totals_streaming, path)
print(f"peak Python memory: whole list {memory_list:.1f} MB, streaming {memory_stream:.2f} MB")
# %%
%%perf -o v3
totals_v3 = vip_totals_streaming(path)
# %%
assert totals_v3 == totals_v1
print(f"streaming: {v3.timing.wall_s:.3f} s (v2 with the list: {v2.timing.wall_s:.3f} s)")
# %% [markdown]
Compare the two memory numbers and the two times above. Streaming needs a small fraction of the memory;
it parses the file twice, so expect it to take longer than v2 — still far faster than v1.
**Memory versus speed** is one of the most common trade-offs: pick streaming when the data might not
fit in memory.

## Columns, not rows

Every version so far handles one row at a time in Python: one dictionary, two `float()` calls and a
few lookups per row. Python spends most of the time on that bookkeeping, not on the arithmetic.

The alternative is to think in **columns**: load each column into a NumPy array once, then let NumPy
do the work for all rows in one call, in compiled code. Three ideas do everything here:

* `amount > 490` gives a True/False array for all rows at once (a *mask*),
* `np.isin(customer, vip_ids)` tests all rows for membership at once,
* `np.bincount(store, weights=...)` adds up values per store at once.
# %%
def load_columns(path):
    with open(path, newline="") as f:
        reader = csv.reader(f)
        next(reader)  # the header
        _, customer, store, quantity, amount = zip(*reader)
    return {
        "customer": np.array([int(c[1:]) for c in customer]),  # "C01234" -> 1234
        "store": np.array([int(s[1:]) for s in store]),
        "quantity": np.array(quantity, dtype=np.int64),
        "amount": np.array(amount, dtype=np.float64),
    }


def vip_totals_columns(columns):
    vip_ids = np.unique(columns["customer"][columns["amount"] > 490])
    is_vip = np.isin(columns["customer"], vip_ids)
    money = columns["quantity"][is_vip] * columns["amount"][is_vip]
    per_store = np.bincount(columns["store"][is_vip], weights=money, minlength=25)
    return {f"S{s:02d}": total for s, total in enumerate(per_store) if total}
# %%
%%perf -o v4_load
columns = load_columns(path)
# %%
%%perf -n 20 -o v4
totals_v4 = vip_totals_columns(columns)
# %%
assert totals_v4.keys() == totals_v1.keys()
assert all(abs(totals_v4[s] - totals_v1[s]) < 1e-6 * totals_v1[s] for s in totals_v1)  # float sums may differ in the last digits
print(f"loading the columns: {v4_load.timing.wall_s:.3f} s once; computing: p50 {v4.timing.p50_s * 1000:.2f} ms per run")
# %% [markdown]
Notice two things:

1. The computation on columns takes milliseconds — a tiny fraction of the row-by-row loops.
2. Loading is now most of the cost. Columnar file formats (Parquet, Arrow) and `pandas.read_csv` exist
   exactly for this: they parse into columns in compiled code. If you run many questions on the same
   data, you load once and answer each question in milliseconds.

The trade-off: code with masks and `bincount` is less obvious to read than a loop, and the arrays hold
the whole column in memory (as compact numbers, though: much less than a dictionary per row).

## Before and after
# %%
steps = {
    "v1: list lookups": v1.timing.wall_s,
    "v2: set lookups": v2.timing.wall_s,
    "v3: streaming": v3.timing.wall_s,
    "v4: columns (load + compute)": v4_load.timing.wall_s + v4.timing.p50_s,
}
fig, ax = plt.subplots(figsize=(7, 3))
ax.barh(list(steps)[::-1], list(steps.values())[::-1], color=["#8fd99b", "#8fd99b", "#f2c57c", "#d98f8f"])
ax.set_xlabel("wall time of one run (s)")
ax.set_title("The VIP pipeline, one change at a time")
for i, value in enumerate(list(steps.values())[::-1]):
    ax.text(value, i, f" {value:.2f} s", va="center")
plt.tight_layout()
plt.show()
# %% [markdown]
## Self-check
# %% [quiz-helper]
# %%
quiz([
    ("After replacing the list with a set, the profile shows the CSV reading at the top. What now?",
     ["The set made reading slower", "The bottleneck moved: decide whether reading is worth improving",
      "Switch back to the list"], 1,
     "Fixing one bottleneck reveals the next one. Profile again after every change."),
    ("Why does the generator version need less memory?",
     ["It keeps only one row at a time instead of all rows", "Generators compress data", "It skips rows"], 0,
     "A generator produces rows on demand; the list version holds every row at once."),
    ("What does `np.isin(customer, vip_ids)` replace?",
     ["The CSV reader", "The loop asking `row['customer'] in vips` for every row", "The final sum"], 1,
     "It answers the membership question for the whole column in one call to compiled code."),
    ("When is the columns approach NOT a clear win?",
     ["When you only run one quick question on a file and loading dominates",
      "When the data has many rows", "When you use NumPy"], 0,
     "Loading into columns has a cost. It pays off when the computation, or its repetition, dominates."),
])
# %% [markdown]
## What you can do now

* Find the hot function and lines of a data job with `%%perf`, and re-profile after each change.
* Replace list membership tests with sets.
* Stream a large file with a generator and measure peak memory with `tracemalloc`.
* Rewrite a row-by-row loop as column operations with NumPy masks, `np.isin` and `np.bincount`.

Next level: [caching and memoization](../intermediate/01-caching.ipynb) and
[vectorization with NumPy and pandas](../intermediate/02-vectorization.ipynb).
