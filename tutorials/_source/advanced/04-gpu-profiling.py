# %% [markdown]
# GPU profiling: asynchronous work, sync points and mixed precision

**Level: advanced · about 15 minutes · runs on CPU; the GPU cells run only when CUDA is available**

A GPU runs work *asynchronously*: Python queues kernels and moves on, and the GPU works through the
queue. That makes GPUs fast, and it makes naive timing and profiling wrong. This notebook covers

1. timing asynchronous work correctly,
2. **host-device syncs** — the hidden points where Python waits for the GPU — and how to find them,
3. **mixed precision** (float16/bfloat16 with `torch.autocast`) and what it buys.

Without a GPU, every GPU cell prints what it would show and the notebook runs the CPU counterpart
where one exists (on a CPU, work is synchronous, so some effects simply do not exist there).
# %%
%load_ext perfnb
import time

import matplotlib.pyplot as plt
import torch
from torch import nn

HAS_CUDA = torch.cuda.is_available()
device = torch.device("cuda" if HAS_CUDA else "cpu")
print(f"torch {torch.__version__}; device: {torch.cuda.get_device_name() if HAS_CUDA else 'CPU only'}")
print("CPU instruction set used by torch:", torch.backends.cpu.get_cpu_capability())
torch.set_num_threads(1)  # one thread: steadier timings on shared machines (Binder, CI); see the note below
torch.manual_seed(0)
width = 2048 if HAS_CUDA else 512  # smaller on a CPU, so the notebook stays quick
model = nn.Sequential(nn.Linear(256, width), nn.GELU(), nn.Linear(width, width), nn.GELU(), nn.Linear(width, 10)).to(device)
x = torch.randn(256, 256, device=device)
y = torch.randint(0, 10, (256,), device=device)
# %% [markdown]
**A note on threads.** PyTorch uses several CPU threads for large operations. On a shared machine
(Binder, a CI runner, a laptop busy with other work) those threads wait for each other and timings
jump around wildly. This notebook uses **one thread** so that comparisons are stable; on a dedicated
machine, try `torch.set_num_threads(os.cpu_count())` and measure again — threads are one more lever,
with its own trade-off (throughput of one process versus the others on the machine).
# %% [markdown]
## Timing asynchronous work

`time.perf_counter()` around a GPU call measures how long it took to *queue* the kernels, not to run
them. `torch.cuda.synchronize()` waits until the GPU is done; put it before reading the clock. (CUDA
events — `torch.cuda.Event(enable_timing=True)` — measure on the GPU itself without stalling the
queue.)
# %%
def timed(fn, sync):
    start = time.perf_counter()
    fn()
    if sync and HAS_CUDA:
        torch.cuda.synchronize()
    return (time.perf_counter() - start) * 1000


def forward_many():
    with torch.inference_mode():
        for _ in range(10):
            model(x)


forward_many()  # warm-up
if HAS_CUDA:
    torch.cuda.synchronize()
    print(f"without synchronize: {timed(forward_many, sync=False):.2f} ms  <- only the time to queue the kernels")
    torch.cuda.synchronize()
    print(f"with synchronize:    {timed(forward_many, sync=True):.2f} ms  <- the real time")
else:
    print(f"CPU: {timed(forward_many, sync=False):.2f} ms. On a CPU the work is done when the call returns, so both "
          "ways agree. On a GPU the first number would be much smaller than the second: it only measures queuing.")
# %% [markdown]
`%%perf` handles this for you: with `--torch` it records the GPU kernels through PyTorch's profiler
(CUPTI), reports their time separately (the `device` column) and waits for the GPU at the end of the
cell, so the wall time includes the queued work.

## Host-device syncs

Some operations need a value *on the CPU* — `.item()`, `.cpu()`, `.tolist()`, `print(tensor)`, a
Python `if` on a tensor, `torch.nonzero` — so Python must wait until the GPU has caught up. Each
such **sync** drains the queue: the GPU idles while Python prepares the next kernels. A training loop
that logs `loss.item()` every step has one sync per step:
# %%
optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)


def train_steps(n, log_every_step):
    history = []
    total = torch.zeros((), device=device)
    for _ in range(n):
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if log_every_step:
            history.append(loss.item())  # a sync: Python waits for the GPU here
        else:
            total += loss.detach()  # stays on the device: no sync
    return history if log_every_step else [total.item() / n]  # one sync at the end
# %%
%%perf --torch -o with_syncs
_ = train_steps(10, log_every_step=True)
# %%
%%perf --torch -o without_syncs
_ = train_steps(10, log_every_step=False)
# %%
for name, prof in [("loss.item() every step", with_syncs), ("accumulate on the device", without_syncs)]:
    print(f"{name:26} wall {prof.timing.wall_s * 1000:8.1f} ms   syncs seen by the profiler: {prof.torch.syncs}")
if not HAS_CUDA:
    print("\nOn a CPU there is nothing to wait for, so the profiler sees no syncs and both versions take about "
          "the same time. On a GPU, the first version would show one sync per step, and its per-line table "
          "would put the waiting time on the `loss.item()` line.")
# %% [markdown]
The profile's per-line table (`Torch ops by line`, with a `syncs` column) points at the exact line that
synchronizes. The fix is to keep values on the device and synchronize once — log every N steps, or
accumulate as above. With small kernels (small batches, small models) removing per-step syncs matters
most, because the GPU finishes each step faster than Python can queue the next one.

## Mixed precision

Mixed precision runs most operations in a 16-bit floating-point type — `float16` or `bfloat16` —
while keeping sensitive ones (reductions, softmax, the loss) in `float32`. `torch.autocast` chooses per
operator. On GPUs with tensor cores, 16-bit matrix multiplies are several times faster and move half
the bytes. On CPUs, `bfloat16` is fast only where the CPU has instructions for it (for example AMX or
AVX512-BF16); elsewhere it can be *slower* than `float32`. We measure instead of assuming:
# %%
def forward_fp32():
    with torch.inference_mode():
        return model(x)


amp_dtype = torch.float16 if HAS_CUDA else torch.bfloat16


def forward_autocast():
    with torch.inference_mode(), torch.autocast(device_type=device.type, dtype=amp_dtype):
        return model(x)


_ = forward_fp32(), forward_autocast()  # warm-up
print(f"autocast dtype on {device.type}: {amp_dtype}")
# %%
%%perf -n 20 --warmup 2 -q -o fp32_run
forward_fp32()
if HAS_CUDA:
    torch.cuda.synchronize()
# %%
%%perf -n 20 --warmup 2 -q -o amp_run
forward_autocast()
if HAS_CUDA:
    torch.cuda.synchronize()
# %%
difference = (forward_fp32() - forward_autocast().float()).abs().max().item()
speedup = fp32_run.timing.p50_s / amp_run.timing.p50_s
print(f"p50 float32 {fp32_run.timing.p50_s * 1000:.2f} ms, autocast {amp_dtype} {amp_run.timing.p50_s * 1000:.2f} ms "
      f"-> {speedup:.2f}x ({'faster' if speedup > 1 else 'slower'} on this {device.type})")
print(f"largest difference in the outputs: {difference:.3g}")

fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(["float32", f"autocast {str(amp_dtype).replace('torch.', '')}"],
       [fp32_run.timing.p50_s * 1000, amp_run.timing.p50_s * 1000], color=["#8fb3d9", "#f2c57c"])
ax.set_ylabel("p50 latency (ms)")
ax.set_title(f"Mixed precision on {device.type}")
plt.tight_layout()
plt.show()
# %% [markdown]
Read the result above together with the instruction set printed at the top. The output difference is
the price: 16-bit types keep about 3 (bfloat16) or 4 (float16) significant digits, which is fine for
most inference and for training with a gradient scaler (`torch.amp.GradScaler`, needed for float16).

## GPU memory and utilization

With a GPU, `%%perf --gpu` adds NVML samples of the GPU's utilization and memory over the cell. Low
utilization with high wall time is the signature of a GPU starved by syncs, small kernels or a slow
input pipeline.
# %%
if HAS_CUDA:
    torch.cuda.reset_peak_memory_stats()
    _ = train_steps(5, log_every_step=False)
    print(f"peak GPU memory during 5 training steps: {torch.cuda.max_memory_allocated() / 1e6:.0f} MB")
else:
    print("No CUDA device: this cell would print the peak GPU memory of 5 training steps "
          "(torch.cuda.max_memory_allocated), and `%%perf --gpu` would chart GPU utilization and memory over time.")
# %% [markdown]
## Self-check
# %% [quiz-helper]
# %%
quiz([
    ("You time a GPU forward pass with perf_counter and get 0.1 ms. What is likely wrong?",
     ["Nothing, GPUs are fast", "You measured only the kernel launches: synchronize before reading the clock",
      "perf_counter does not work with CUDA"], 1,
     "GPU work is asynchronous; without torch.cuda.synchronize() the clock stops before the GPU finishes."),
    ("Which of these causes a host-device sync?",
     ["x = x * 2 on a CUDA tensor", "loss.item()", "model.eval()"], 1,
     ".item() needs the value on the CPU, so Python waits for all queued GPU work."),
    ("How do you log the loss without a sync every step?",
     ["Accumulate on the device and call .item() every N steps", "Use print(loss) instead", "Call synchronize() every step"], 0,
     "Keep the running value as a tensor on the GPU and read it rarely."),
    ("bfloat16 autocast is slower than float32 on a CPU. Why might that be?",
     ["The CPU lacks fast bfloat16 instructions, so conversions cost more than they save", "bfloat16 uses more memory",
      "autocast only works on GPUs"], 0,
     "Mixed precision pays off only where the hardware computes 16-bit types natively and fast."),
])
# %% [markdown]
## What you can do now

* Time GPU work correctly (synchronize or CUDA events) and know why naive timing lies.
* Find host-device syncs with `%%perf --torch` and remove them from hot loops.
* Apply mixed precision with `torch.autocast` and judge it by measured speed and output difference.
* Know what to expect on a machine without a GPU and what changes with one.

Next level: [a performance regression gate in CI](../expert/01-regression-gate.ipynb).
