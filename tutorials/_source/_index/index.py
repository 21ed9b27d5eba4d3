# %% [markdown]
# perfnb tutorials

Welcome! These notebooks teach performance work in Python, NumPy and PyTorch by doing it:
each one **measures** something slow with perfnb's `%%perf`, finds the bottleneck, changes one
thing, measures again and discusses the trade-off. All data is generated in the notebooks, and
everything runs on a CPU (GPU cells run only when CUDA is available).

Run the next cell to check your setup, then pick a level.
# %%
import platform
import sys

import perfnb

print(f"Python {platform.python_version()} · perfnb {perfnb.__version__}")
for name in ["numpy", "pandas", "matplotlib", "torch", "torchao", "onnxruntime", "ipywidgets"]:
    try:
        module = __import__(name)
        print(f"  {name:12} {getattr(module, '__version__', 'installed')}")
    except ImportError:
        print(f"  {name:12} not installed (the notebooks that use it skip those parts)")
try:
    import torch

    print("  GPU:", torch.cuda.get_device_name() if torch.cuda.is_available() else "none — GPU cells will explain instead")
except ImportError:
    pass
# %% [markdown]
## Beginner

New to performance work? Start here.

1. [Measure first](beginner/01-measure-first.ipynb) — read `%%perf`, wall vs CPU time, latency vs
   throughput, p50/p95/p99, and four everyday fixes.
2. [Profile and speed up a CSV data pipeline](beginner/02-csv-pipeline.ipynb) — hot lines, sets
   instead of lists, generators for memory, columns with NumPy.

## Intermediate

1. [Caching and memoization](intermediate/01-caching.ipynb) — `lru_cache`, hit rates, keys,
   invalidation and the stampede problem.
2. [Vectorization with NumPy and pandas](intermediate/02-vectorization.ipynb) — array operations,
   ufuncs, views, in-place operations, float32, pandas columns, process pools.
3. [Benchmark a PyTorch model](intermediate/03-pytorch-benchmark.ipynb) — latency percentiles,
   inference mode, op tables and FLOPs, input pipelines, torch.compile and ONNX Runtime.

## Advanced

1. [Quantization](advanced/01-quantization.ipynb) — int8 dynamic and weight-only: size, latency and
   accuracy, including when int8 is slower.
2. [Pruning and distillation](advanced/02-pruning-distillation.ipynb) — unstructured vs structured
   pruning, fine-tuning, a distilled student, accuracy vs size.
3. [Batching for inference](advanced/03-batching.ipynb) — throughput vs latency and a dynamic
   batching queue.
4. [GPU profiling](advanced/04-gpu-profiling.ipynb) — asynchronous timing, host-device syncs and
   mixed precision.

## Expert

1. [A performance regression gate in CI](expert/01-regression-gate.ipynb) — `perfnb run`,
   `perfnb compare` with thresholds and confidence, A/A runs.
2. [Write your own advisor rule](expert/02-advisor-rules.ipynb) — extend perfnb's suggestions, and
   test them for detection and for silence.
3. [How profilers work](expert/03-how-profilers-work.ipynb) — sampling vs tracing, with overhead
   and accuracy measured side by side.

## How to read the numbers

Every timing in these notebooks is measured on *your* machine when you run it. Shared machines (like
Binder) are noisy: run a cell again if a result looks odd, and prefer medians (p50) and confidence
intervals over single runs — the notebooks show you how.
