# %% [markdown]
# Benchmark a PyTorch model

**Level: intermediate · about 20 minutes · CPU by default, GPU if present**

"How fast is my model?" has several honest answers: latency for one request, throughput for a batch,
the memory it needs, and how much of the hardware's arithmetic it uses. This notebook benchmarks a
small image classifier and covers:

* latency percentiles with warm-up (`%%perf -n … --warmup …`),
* inference mode (turning off autograd),
* where the time goes: the op table, FLOPs and memory (`%%perf --torch`),
* feeding the model (a slow input pipeline hides behind "the model is slow"),
* `torch.compile` and an ONNX Runtime comparison (each only when it is available).

The model is untrained — speed does not depend on the weights' values — and the images are random.
# %%
%load_ext perfnb
import os
import time

import matplotlib.pyplot as plt
import torch
from torch import nn

torch.set_num_threads(1)  # one thread: steadier timings on shared machines (Binder, CI); see the note below
torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"
print(f"torch {torch.__version__}, running on {device}, {torch.get_num_threads()} CPU threads for torch")


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(32 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        return self.head(self.features(x))


model = SmallCNN().to(device).eval()
one_image = torch.randn(1, 3, 32, 32, device=device)
batch = torch.randn(32, 3, 32, 32, device=device)
print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
# %% [markdown]
**A note on threads.** PyTorch uses several CPU threads for large operations. On a shared machine
(Binder, a CI runner, a laptop busy with other work) those threads wait for each other and timings
jump around wildly. This notebook uses **one thread** so that comparisons are stable; on a dedicated
machine, try `torch.set_num_threads(os.cpu_count())` and measure again — threads are one more lever,
with its own trade-off (throughput of one process versus the others on the machine).
# %% [markdown]
## Latency percentiles

The first calls of a model are slower (memory gets allocated, kernels get chosen, caches warm up), so we
discard a few warm-up runs and then measure many. `-n 50 --warmup 5` does exactly that.
# %%
%%perf -n 50 --warmup 5 -o single
with torch.no_grad():
    _ = model(one_image)
# %%
%%perf -n 20 --warmup 3 -o batched
with torch.no_grad():
    _ = model(batch)
# %%
for name, prof, size in [("1 image", single, 1), ("batch of 32", batched, 32)]:
    t = prof.timing
    print(f"{name:12} p50 {t.p50_s * 1000:7.2f} ms  p95 {t.p95_s * 1000:7.2f} ms  p99 {t.p99_s * 1000:7.2f} ms"
          f"  -> {size / t.p50_s:8.0f} images/s")
# %% [markdown]
Compare the two lines: the batch takes longer than one image (higher latency) but processes many more
images per second (higher throughput). Batching is the subject of a whole
[advanced notebook](../advanced/03-batching.ipynb).

## Inference mode

During training, PyTorch records every operation so it can compute gradients (autograd). For
inference that bookkeeping is wasted. `torch.no_grad()` turns it off; `torch.inference_mode()` goes
further and also skips version counting on tensors. Let us measure all three on the batch:
# %%
%%perf -n 20 --warmup 3 -q -o with_grad
_ = model(batch)
# %%
%%perf -n 20 --warmup 3 -q -o no_grad
with torch.no_grad():
    _ = model(batch)
# %%
%%perf -n 20 --warmup 3 -q -o inference
with torch.inference_mode():
    _ = model(batch)
# %%
modes = {"autograd on": with_grad, "no_grad": no_grad, "inference_mode": inference}
for name, prof in modes.items():
    print(f"{name:15} p50 {prof.timing.p50_s * 1000:.2f} ms  (95% CI of p50: "
          f"{prof.timing.p50_ci_s[0] * 1000:.2f}–{prof.timing.p50_ci_s[1] * 1000:.2f} ms)")
# %% [markdown]
For a small model the difference can be small — check whether the confidence intervals overlap before
believing a winner, and if the order looks surprising, run the three cells again: on a shared machine
the load can change from one cell to the next, which is why serious comparisons interleave the
variants (as the [expert notebook on profilers](../expert/03-how-profilers-work.ipynb) does). The memory effect is more reliable: with autograd on, the intermediate activations
are kept for the backward pass. `inference_mode` is the safe default for serving.

## Where the time goes

`%%perf --torch` adds PyTorch's own profiler: a table of operators (convolution, matrix multiply,
ReLU …) with their input shapes, how often they ran and how long they took, the FLOPs
(floating-point operations) where they can be computed, the memory peak of tensors, and which of your
lines launched them.
# %%
%%perf --torch -o ops
with torch.inference_mode():
    for _ in range(5):
        _ = model(batch)
# %%
top = sorted(ops.torch.ops, key=lambda op: op.self_s, reverse=True)[:5]
for op in top:
    print(f"{op.name:28} {op.count:4} calls  {op.self_s * 1000:8.2f} ms  {op.shapes}")
if ops.torch.flops:
    print(f"\n{ops.torch.flops / 1e9:.2f} GFLOP in the cell; achieved {ops.torch.flops / ops.timing.wall_s / 1e9:.1f} GFLOP/s "
          f"over its wall time")
print(f"tensor memory peak during the cell: {(ops.torch.device_memory_peak_bytes or 0) / 1e6:.1f} MB; "
      f"process RSS peak {ops.memory.rss_peak_bytes / 1e6:.0f} MB")
# %% [markdown]
Typically the convolutions dominate: they do almost all of the arithmetic. Achieved GFLOP/s far below
what the processor can do means the model is too small to keep it busy — overheads (Python, memory
traffic, launching small ops) dominate. That is the usual reason to batch, fuse or compile.

## Feed the model

A surprisingly common finding: the model is fast, but the code *around* it is slow. Here each image
is "decoded" and normalized in Python one at a time before the model sees it:
# %%
raw_images = [torch.randint(0, 256, (32, 32, 3), dtype=torch.uint8) for _ in range(256)]
mean = torch.tensor([0.5, 0.5, 0.5])


def preprocess_one(image):
    x = image.permute(2, 0, 1).float() / 255.0  # HWC uint8 -> CHW float
    for c in range(3):  # normalization, one channel and one row at a time
        for row in range(32):
            x[c, row] = (x[c, row] - mean[c]) / 0.25
    return x


def predict_slow(images):
    outputs = []
    with torch.inference_mode():
        for i in range(0, len(images), 32):
            chunk = torch.stack([preprocess_one(im) for im in images[i:i + 32]]).to(device)
            outputs.append(model(chunk))
    return torch.cat(outputs)


def predict_fast(images):
    stacked = torch.stack(images).permute(0, 3, 1, 2).float().div_(255.0)  # all images at once
    stacked = (stacked - 0.5) / 0.25
    with torch.inference_mode():
        return torch.cat([model(stacked[i:i + 32].to(device)) for i in range(0, len(stacked), 32)])
# %%
%%perf -o slow_feed
out_slow = predict_slow(raw_images)
# %%
%%perf -o fast_feed
out_fast = predict_fast(raw_images)
# %%
assert torch.allclose(out_slow, out_fast, atol=1e-4)
print(f"slow input pipeline {slow_feed.timing.wall_s * 1000:.0f} ms, vectorized {fast_feed.timing.wall_s * 1000:.0f} ms")
# %% [markdown]
Look at the first profile: how much of the time is in `preprocess_one` rather than in `model(chunk)`?
When the input pipeline is the bottleneck, a faster model changes nothing. The fixes are the ones from
the [vectorization notebook](02-vectorization.ipynb): process whole batches as tensors, or move the
preprocessing into `DataLoader` workers (`num_workers > 0`) so it overlaps with the model.

## Torch compile

`torch.compile(model)` traces the model and generates fused code for it. The first call pays the
compilation (often tens of seconds on a small CPU), later calls may be faster. Because that first
call is so slow on a shared 2-core machine, this cell only runs when you ask for it: set
`RUN_COMPILE = True` (or the environment variable `PERFNB_TUTORIAL_COMPILE=1`).
# %%
RUN_COMPILE = os.environ.get("PERFNB_TUTORIAL_COMPILE") == "1"
if RUN_COMPILE:
    compiled = torch.compile(model)
    with torch.inference_mode():
        start = time.perf_counter()
        compiled(batch)
        compile_s = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(20):
            compiled(batch)
        compiled_s = (time.perf_counter() - start) / 20
    print(f"first call (compiling) {compile_s:.1f} s; then {compiled_s * 1000:.2f} ms per batch "
          f"versus eager p50 {inference.timing.p50_s * 1000:.2f} ms")
else:
    print("torch.compile skipped (set RUN_COMPILE = True to measure it). What to look for when you run it: "
          "the first call's compile time, and the per-batch time after it compared with eager mode.")
# %% [markdown]
The trade-off is **startup time versus steady-state speed**: compilation pays off for a long-running
server, rarely for a script that predicts a few batches.

## ONNX Runtime

ONNX Runtime is a separate inference engine. We export the model to the ONNX format and time the same
batch there. If `onnxruntime` (and `onnx`, which the exporter needs) are not installed, the comparison
is skipped.
# %%
try:
    import onnx  # noqa: F401  (the exporter needs it)
    import onnxruntime as ort
except ImportError:
    ort = None
    print("onnxruntime or onnx is not installed: skipping the comparison (pip install onnxruntime onnx)")

if ort is not None:
    import io
    import warnings

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript-based exporter warns that it is the older one
        torch.onnx.export(model.cpu(), (batch.cpu(),), buffer, dynamo=False,
                          input_names=["images"], output_names=["logits"], dynamic_axes={"images": {0: "n"}})
    model.to(device)
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()  # the same number of threads as torch
    session = ort.InferenceSession(buffer.getvalue(), options, providers=["CPUExecutionProvider"])
    batch_np = batch.cpu().numpy()
    with torch.inference_mode():
        reference = model(batch).cpu().numpy()
    print("largest difference from PyTorch:", abs(session.run(None, {"images": batch_np})[0] - reference).max())
# %%
%%perf -n 20 --warmup 3 -q -o onnx_run
if ort is not None:
    _ = session.run(None, {"images": batch_np})
# %%
if ort is not None:
    print(f"batch of 32, p50: PyTorch (inference_mode) {inference.timing.p50_s * 1000:.2f} ms, "
          f"ONNX Runtime {onnx_run.timing.p50_s * 1000:.2f} ms")
# %% [markdown]
Which one wins depends on the model, the batch size, the CPU and the library versions — that is why
you measure on your own hardware. Beyond speed, ONNX Runtime is a smaller dependency to deploy than
PyTorch; the cost is an export step that must be re-checked for every model change.

## Summary picture
# %%
labels = ["autograd on", "no_grad", "inference_mode"]
values = [with_grad.timing.p50_s * 1000, no_grad.timing.p50_s * 1000, inference.timing.p50_s * 1000]
if ort is not None:
    labels.append("ONNX Runtime")
    values.append(onnx_run.timing.p50_s * 1000)
fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(labels, values, color="#8fb3d9")
ax.set_ylabel("p50 latency, batch of 32 (ms)")
ax.set_title("Same model, different ways to run it")
plt.tight_layout()
plt.show()
# %% [markdown]
## Self-check
# %% [quiz-helper]
# %%
quiz([
    ("Why use --warmup when benchmarking a model?",
     ["To heat the CPU", "The first calls include one-time costs (allocation, kernel selection) that a server pays once",
      "It makes the model more accurate"], 1,
     "Warm-up runs are discarded so the percentiles describe the steady state."),
    ("A batch of 32 takes 4x longer than one image. Is batching worth it?",
     ["No, it is slower", "Yes for throughput (8x more images per second), at a latency cost", "Only on GPUs"], 1,
     "Throughput = batch size / latency. Whether the extra latency is acceptable depends on your target."),
    ("The profile shows most time in `preprocess_one`. What should you optimize?",
     ["The model's convolutions", "The input pipeline", "Nothing: preprocessing is always slow"], 1,
     "Optimize where the time is. A faster model would not change the total."),
    ("Which is the best default context for serving predictions?",
     ["No context (autograd on)", "torch.inference_mode()", "torch.enable_grad()"], 1,
     "inference_mode disables autograd tracking and version counters: less work and less memory."),
])
# %% [markdown]
## What you can do now

* Benchmark a model's latency distribution with warm-up and read p50/p95/p99 and throughput.
* Serve predictions under `torch.inference_mode()`.
* Read `%%perf --torch`: the op table, FLOPs, tensor memory, and which line launched the work.
* Find a slow input pipeline and vectorize it.
* Measure `torch.compile` and ONNX Runtime instead of assuming they help.

Next level: [quantization](../advanced/01-quantization.ipynb) and
[batching for throughput](../advanced/03-batching.ipynb).
