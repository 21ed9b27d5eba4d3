# %% [markdown]
# Quantization: smaller, sometimes faster, measured

**Level: advanced · about 20 minutes · CPU**

Quantization stores weights (and sometimes activations) as 8-bit integers instead of 32-bit floats.
The model gets about 4x smaller. Whether it gets *faster* depends on the hardware, the kernels your
PyTorch build has for it, the batch size and the layer shapes — and it can just as well get slower.
This notebook trains a small classifier, quantizes it three ways and puts **size, latency and
accuracy** side by side, measured on this machine:

1. fp32 — the baseline,
2. dynamic int8 with `torch.ao.quantization.quantize_dynamic` (the classic API, deprecated in recent
   PyTorch releases),
3. dynamic int8 with **torchao** (`quantize_` with `Int8DynamicActivationInt8WeightConfig`, the
   successor),
4. weight-only int8 with torchao (`Int8WeightOnlyConfig`).
# %%
%load_ext perfnb
import copy
import io
import logging
import statistics
import time
import warnings

import matplotlib.pyplot as plt
import pandas as pd
import torch
from torch import nn

torch.set_num_threads(1)  # one thread: steadier timings on shared machines (Binder, CI); see the note below
torch.manual_seed(0)
for noisy in ("torchao", "torch.utils._pytree"):  # import-time notices that are not about this notebook
    logging.getLogger(noisy).setLevel(logging.ERROR)
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
# %% [markdown]
**A note on threads.** PyTorch uses several CPU threads for large operations. On a shared machine
(Binder, a CI runner, a laptop busy with other work) those threads wait for each other and timings
jump around wildly. This notebook uses **one thread** so that comparisons are stable; on a dedicated
machine, try `torch.set_num_threads(os.cpu_count())` and measure again — threads are one more lever,
with its own trade-off (throughput of one process versus the others on the machine).
# %% [markdown]
## A model to quantize

The data: 64 features, 10 classes, labels produced by a fixed random "teacher" network so that the task
is learnable but not trivial. The model: an MLP with two hidden layers of 256 — Linear layers are what
dynamic quantization targets.
# %%
def make_data(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 64, generator=g)
    w1 = torch.randn(64, 8, generator=torch.Generator().manual_seed(99))
    w2 = torch.randn(8, 10, generator=torch.Generator().manual_seed(98))
    y = (torch.tanh(x @ w1 / 8) @ w2).argmax(dim=1)
    return x, y


x_train, y_train = make_data(8_000, seed=1)
x_test, y_test = make_data(2_000, seed=2)

model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(5):
    for i in range(0, len(x_train), 256):
        loss = nn.functional.cross_entropy(model(x_train[i:i + 256]), y_train[i:i + 256])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
model.eval()


def accuracy(m):
    with torch.inference_mode():
        return (m(x_test).argmax(dim=1) == y_test).float().mean().item()


print(f"fp32 test accuracy: {accuracy(model):.1%}")
# %% [markdown]
## Dynamic int8 the classic way

`quantize_dynamic` replaces each `nn.Linear` with a version that stores int8 weights and quantizes
the activations on the fly, per batch. It is deprecated in recent PyTorch releases in favour of torchao —
we keep it because much existing code uses it, and silence the deprecation warning.
# %%
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    classic_int8 = torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), {nn.Linear}, dtype=torch.qint8)
print(classic_int8[0])
# %% [markdown]
## Dynamic int8 with torchao

torchao's `quantize_` rewrites the weights of a model *in place* as quantized tensors; the modules stay
ordinary `nn.Linear`. If torchao is not installed, these variants are skipped.
# %%
variants = {"fp32": model, "int8 dynamic (torch.ao, classic)": classic_int8}
try:
    from torchao.quantization import Int8DynamicActivationInt8WeightConfig, Int8WeightOnlyConfig, quantize_
except ImportError as error:
    print("torchao is not available, skipping its variants:", error)
else:
    ao_dynamic = copy.deepcopy(model)
    quantize_(ao_dynamic, Int8DynamicActivationInt8WeightConfig())
    variants["int8 dynamic (torchao)"] = ao_dynamic
    print(type(ao_dynamic[0].weight).__name__)
# %% [markdown]
## Weight-only int8

Weight-only quantization stores the weights as int8 but computes in floating point: the weights are
dequantized on the fly. It saves memory and memory bandwidth (good when the weights dominate, e.g.
large language models at batch size 1) but adds work per call.
# %%
if "int8 dynamic (torchao)" in variants:
    ao_weight_only = copy.deepcopy(model)
    quantize_(ao_weight_only, Int8WeightOnlyConfig())
    variants["int8 weight-only (torchao)"] = ao_weight_only
print(list(variants))
# %% [markdown]
## Measure: size, latency, accuracy

Size is the number of bytes of the saved `state_dict`. Latency is the median (p50) of repeated calls
after warm-up, for one sample (a single request) and for a batch of 256 (offline scoring).
# %%
def saved_size_mb(m):
    buffer = io.BytesIO()
    try:
        torch.save(m.state_dict(), buffer)
    except Exception as error:  # some quantized tensor types cannot be pickled in every version
        print(f"could not save: {error}")
        return float("nan")
    return buffer.tell() / 1e6


def p50_ms(m, x, runs, warmup=5):
    with torch.inference_mode():
        for _ in range(warmup):
            m(x)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            m(x)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


one, many = x_test[:1], x_test[:256]
rows = []
for name, m in variants.items():
    rows.append({"variant": name, "size (MB)": saved_size_mb(m), "accuracy": accuracy(m),
                 "p50 batch 1 (ms)": p50_ms(m, one, 100), "p50 batch 256 (ms)": p50_ms(m, many, 30)})
table = pd.DataFrame(rows).set_index("variant")
base = table.loc["fp32"]
table["speed vs fp32, batch 256"] = base["p50 batch 256 (ms)"] / table["p50 batch 256 (ms)"]
table.round(3)
# %% [markdown]
Read the table row by row (the values are this machine's):

* **size**: every int8 variant should be roughly 4x smaller than fp32 — weights are 1 byte instead of 4,
  plus a few scales.
* **accuracy**: usually within a fraction of a percent of fp32 for a model like this one; always check it.
* **latency**: here is where assumptions fail. A "speed vs fp32" value **below 1 means the int8 model
  is slower than fp32**. That is a real, common outcome on CPUs: quantizing and dequantizing
  activations costs time, the int8 kernels available for this CPU may not beat a well-tuned fp32 matrix
  multiply at these small sizes, and weight-only int8 still computes in floating point.

## When int8 is slower

Let us look at *why* with the op table of one variant versus fp32. `%%perf --torch` lists which
operators ran: with dynamic quantization you should see extra quantize / dequantize or int8 matrix
multiply operators next to (or instead of) the plain `addmm`.
# %%
%%perf --torch -q -o fp32_ops
with torch.inference_mode():
    for _ in range(20):
        model(many)
# %%
slowest_int8 = min((n for n in variants if n != "fp32"), key=lambda n: table.loc[n, "speed vs fp32, batch 256"])
int8_model = variants[slowest_int8]
print("profiling:", slowest_int8)
# %%
%%perf --torch -q -o int8_ops
with torch.inference_mode():
    for _ in range(20):
        int8_model(many)
# %%
for title, prof in [("fp32", fp32_ops), (slowest_int8, int8_ops)]:
    print(f"{title}: wall {prof.timing.wall_s * 1000:.1f} ms for 20 batches; top operators by self time:")
    for op in sorted(prof.torch.ops, key=lambda o: o.self_s, reverse=True)[:5]:
        print(f"   {op.self_s * 1000:8.2f} ms  {op.count:4} x  {op.name}")
# %% [markdown]
If the int8 variant is slower here, its table usually shows time in operators that fp32 does not need
at all (quantizing activations, dequantizing weights, converting layouts). Int8 wins when the hardware
has fast int8 instructions that the kernels use (for example VNNI/AMX on recent x86 server CPUs, or
GPUs with int8 tensor cores), when the layers are large enough to amortize the conversions, or when
memory — not arithmetic — is the limit.

## The trade-off in one picture
# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
names = list(table.index)
short = [n.replace(" (", "\n(") for n in names]
colors = ["#8fb3d9"] + ["#f2c57c"] * (len(names) - 1)
for ax, column in zip(axes, ["size (MB)", "p50 batch 256 (ms)", "accuracy"]):
    ax.bar(short, table[column], color=colors)
    ax.set_title(column)
    ax.tick_params(axis="x", labelsize=7)
axes[2].set_ylim(max(0, table["accuracy"].min() - 0.05), 1)
plt.tight_layout()
plt.show()
# %% [markdown]
**Decision rule:** quantize when the size matters (download, memory, cache) — that gain is reliable.
Claim a speed-up only after measuring it on the deployment hardware, at the deployment batch size,
with the accuracy check next to it.

## Self-check
# %% [quiz-helper]
# %%
quiz([
    ("What does int8 quantization reliably give you?",
     ["A 4x speed-up", "About 4x smaller weights", "Higher accuracy"], 1,
     "Size is guaranteed by the representation; speed depends on kernels and hardware."),
    ("Dynamic int8 is slower than fp32 on your CPU. A plausible reason?",
     ["Quantizing activations and converting data costs more than the int8 math saves at this size",
      "int8 numbers are bigger than float32", "The model was not trained"], 0,
     "Conversions are extra work; without fast int8 kernels for your shapes they can dominate."),
    ("Weight-only int8 is most useful when…",
     ["arithmetic is the bottleneck", "moving the weights from memory is the bottleneck (large models, small batches)",
      "the model is tiny"], 1,
     "It cuts the bytes read per call but still computes in floating point."),
    ("What must you report next to a quantized model's latency?",
     ["Its accuracy on held-out data", "Its training loss", "The number of layers"], 0,
     "A faster model that is wrong more often is a different trade-off; show both."),
])
# %% [markdown]
## What you can do now

* Quantize a PyTorch model with the classic `quantize_dynamic` and with torchao's `quantize_`.
* Build a size / latency / accuracy table for the variants, at the batch sizes you serve.
* Explain, with an op table as evidence, why int8 can be slower on a given CPU.
* Decide when quantization is worth it: size always, speed only when measured.

Next: [pruning and distillation](02-pruning-distillation.ipynb).
