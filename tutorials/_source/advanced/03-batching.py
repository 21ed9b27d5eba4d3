# %% [markdown]
# Batching for inference: throughput versus latency

**Level: advanced · about 20 minutes · CPU**

A model answers one request faster than 32 requests — but 32 requests in one call finish much sooner
than 32 separate calls. Batching trades **latency** (each request may wait for others) for
**throughput** (requests per second). In this notebook you will:

1. profile a loop of single-sample forward calls and batch it,
2. measure latency and throughput across batch sizes and draw the curve,
3. build a small **dynamic batching queue** — the mechanism inside model servers — and tune its
   maximum wait under load.
# %%
%load_ext perfnb
import concurrent.futures
import queue
import random
import statistics
import threading
import time

import matplotlib.pyplot as plt
import torch
from torch import nn

torch.set_num_threads(1)  # one thread: steadier timings on shared machines (Binder, CI); see the note below
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(128, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)).eval()
requests = torch.randn(512, 128)  # 512 incoming requests, one sample each
# %% [markdown]
**A note on threads.** PyTorch uses several CPU threads for large operations. On a shared machine
(Binder, a CI runner, a laptop busy with other work) those threads wait for each other and timings
jump around wildly. This notebook uses **one thread** so that comparisons are stable; on a dedicated
machine, try `torch.set_num_threads(os.cpu_count())` and measure again — threads are one more lever,
with its own trade-off (throughput of one process versus the others on the machine).
# %% [markdown]
## Batch the forward calls

The straightforward code calls the model once per request:
# %%
%%perf -o one_by_one
with torch.inference_mode():
    answers = [model(r.unsqueeze(0)) for r in requests]
# %% [markdown]
Look at where the time goes: a large share is in Python and in PyTorch's per-call machinery
(`Module.__call__`, dispatching each operator) rather than in the arithmetic. Every call pays that
fixed cost. One batched call pays it once:
# %%
%%perf -o all_at_once
with torch.inference_mode():
    answers_batched = model(requests)
# %%
assert torch.allclose(torch.cat(answers), answers_batched, atol=1e-5)
print(f"512 single calls: {one_by_one.timing.wall_s * 1000:.1f} ms;  one call with a batch of 512: "
      f"{all_at_once.timing.wall_s * 1000:.1f} ms  ({one_by_one.timing.wall_s / all_at_once.timing.wall_s:.0f}x)")
# %% [markdown]
## Latency versus batch size

How does the time of one call grow with the batch size? We measure the p50 of a call for batch sizes
from 1 to 512 and derive the throughput (samples per second).
# %%
def p50_s(batch, runs):
    with torch.inference_mode():
        for _ in range(3):
            model(batch)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            model(batch)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


sizes = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
latency = {b: p50_s(requests[:b], runs=60 if b <= 32 else 20) for b in sizes}
throughput = {b: b / latency[b] for b in sizes}

fig, ax1 = plt.subplots(figsize=(7, 3.4))
ax1.plot(sizes, [latency[b] * 1000 for b in sizes], "o-", color="tab:red", label="latency of one call")
ax1.set_xscale("log", base=2)
ax1.set_yscale("log")
ax1.set_xlabel("batch size")
ax1.set_ylabel("p50 latency per call (ms)", color="tab:red")
ax2 = ax1.twinx()
ax2.plot(sizes, [throughput[b] for b in sizes], "s--", color="tab:blue")
ax2.set_ylabel("throughput (samples/s)", color="tab:blue")
ax1.set_title("Bigger batches: more throughput, more latency")
plt.tight_layout()
plt.show()
for b in sizes:
    print(f"batch {b:4}: {latency[b] * 1000:7.3f} ms per call, {throughput[b]:10,.0f} samples/s")
# %% [markdown]
Typically the latency stays almost flat for small batches (the fixed per-call cost dominates), then
grows roughly in proportion to the batch size once the arithmetic dominates. Throughput rises steeply
at first and then levels off: past that knee, a bigger batch only adds latency. The knee is the
sweet spot, and it is different for every model and machine — read it off your own curve.

## A dynamic batching queue

In a server, requests arrive one at a time, at random moments. A **dynamic batcher** puts them in a
queue; a worker thread takes the first waiting request, then waits up to `max_wait` for more (up to
`max_batch`), and runs them as one batch. `max_wait = 0` means: take whatever is already queued,
never wait.
# %%
class DynamicBatcher:
    def __init__(self, model, max_batch, max_wait_s):
        self.model, self.max_batch, self.max_wait_s = model, max_batch, max_wait_s
        self.queue = queue.Queue()
        self.batch_sizes = []
        self.worker = threading.Thread(target=self._serve, name="batcher", daemon=True)
        self.worker.start()

    def submit(self, sample):
        future = concurrent.futures.Future()
        self.queue.put((sample, future, time.perf_counter()))
        return future

    def close(self):
        self.queue.put(None)
        self.worker.join()

    def _serve(self):
        while (first := self.queue.get()) is not None:
            batch = [first]
            deadline = time.perf_counter() + self.max_wait_s
            while len(batch) < self.max_batch:
                try:
                    remaining = deadline - time.perf_counter()
                    item = self.queue.get(timeout=remaining) if remaining > 0 else self.queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:  # closing: finish this batch, then stop
                    self.queue.put(None)
                    break
                batch.append(item)
            with torch.inference_mode():
                outputs = self.model(torch.stack([sample for sample, _, _ in batch]))
            done = time.perf_counter()
            for (_, future, submitted), output in zip(batch, outputs):
                future.set_result((output, done - submitted))
            self.batch_sizes.append(len(batch))


def simulate(max_batch, max_wait_ms, rate, n=1_500, seed=0):
    """n requests arriving at random (Poisson) times at `rate` per second."""
    server = DynamicBatcher(model, max_batch, max_wait_ms / 1000)
    arrivals = random.Random(seed)
    futures = []
    start = next_arrival = time.perf_counter()
    for i in range(n):
        next_arrival += arrivals.expovariate(rate)
        delay = next_arrival - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        futures.append(server.submit(requests[i % len(requests)]))
    latencies = sorted(f.result()[1] for f in futures)
    elapsed = time.perf_counter() - start
    server.close()
    return {"p50 ms": latencies[n // 2] * 1000, "p99 ms": latencies[int(n * 0.99)] * 1000,
            "throughput": n / elapsed, "mean batch": statistics.mean(server.batch_sizes)}
# %% [markdown]
We choose an arrival rate that a server without batching **cannot** keep up with: 1.5 times the
number of single-sample calls per second that this machine managed above.
# %%
rate = 1.5 / latency[1]
print(f"arrival rate: {rate:,.0f} requests per second")
# %%
%%perf -o unbatched_run
unbatched = simulate(max_batch=1, max_wait_ms=0, rate=rate)
# %% [markdown]
This profile covers two threads: the notebook's thread (sending requests and sleeping between them)
and the `batcher` worker thread, which perfnb samples too and lists separately. Now the batched
configurations:
# %%
configs = {"no batching": unbatched}
for max_wait_ms in [0, 1, 5]:
    configs[f"max_batch 64, max_wait {max_wait_ms} ms"] = simulate(max_batch=64, max_wait_ms=max_wait_ms, rate=rate)
for name, r in configs.items():
    print(f"{name:32} p50 {r['p50 ms']:8.2f} ms  p99 {r['p99 ms']:8.2f} ms  "
          f"throughput {r['throughput']:7,.0f}/s  mean batch {r['mean batch']:5.1f}")
# %% [markdown]
How to read these lines:

* **No batching** under this load: the queue grows for as long as requests keep coming, so latencies
  include a long wait in the queue and the p99 is far above the time of one call.
* **Batching** lets the worker catch up: while one batch runs, the next requests gather in the queue
  and go together — the mean batch size adapts to the load by itself.
* **max_wait** is the knob of the trade-off: waiting longer builds bigger batches (more throughput
  headroom), but every request may pay up to that wait in extra latency. At low load, a long wait
  only adds latency; at high load, the queue fills the batches anyway.
# %%
names = list(configs)
fig, ax = plt.subplots(figsize=(8, 3.4))
positions = range(len(names))
ax.bar([p - 0.2 for p in positions], [configs[n]["p50 ms"] for n in names], width=0.4, label="p50", color="#8fb3d9")
ax.bar([p + 0.2 for p in positions], [configs[n]["p99 ms"] for n in names], width=0.4, label="p99", color="#d98f8f")
ax.set_xticks(list(positions), [n.replace(", ", "\n") for n in names], fontsize=8)
ax.set_yscale("log")
ax.set_ylabel("request latency (ms, log)")
ax.set_title(f"Latency at {rate:,.0f} requests/s")
ax.legend()
plt.tight_layout()
plt.show()
# %% [markdown]
Real model servers (TorchServe, Triton, Ray Serve, vLLM's continuous batching) implement exactly this
loop, with `max_batch_size` and a maximum queue delay as their main settings.

## Self-check
# %% [quiz-helper]
# %%
quiz([
    ("Why is one call with 512 samples much faster than 512 calls with one sample?",
     ["The batch uses a different model", "The fixed per-call cost (Python, dispatch) is paid once instead of 512 times",
      "Batches skip some samples"], 1,
     "Per-call overhead dominates small inputs; batching amortizes it and lets the math kernels run efficiently."),
    ("Past the knee of the throughput curve, doubling the batch size…",
     ["doubles the throughput", "adds latency with little throughput gain", "reduces latency"], 1,
     "Once the arithmetic dominates, time grows with the batch; throughput stays flat."),
    ("What does increasing max_wait in a dynamic batcher trade?",
     ["Accuracy for speed", "Extra latency per request for bigger batches", "Memory for accuracy"], 1,
     "Waiting gathers more requests per batch, and every request may wait up to max_wait."),
    ("Requests arrive faster than unbatched calls can serve them. What happens to p99 without batching?",
     ["It stays at the time of one call", "It grows as the queue builds up", "It drops"], 1,
     "When arrivals exceed capacity, waiting time in the queue keeps growing."),
])
# %% [markdown]
## What you can do now

* Recognise per-call overhead in a profile and batch the forward calls.
* Measure and plot latency and throughput against batch size, and find the knee.
* Build a dynamic batching queue with `max_batch` and `max_wait`, and evaluate it under load with
  p50/p99 latency and throughput.

Next: [GPU profiling](04-gpu-profiling.ipynb).
