"""Peak arithmetic rates of common NVIDIA GPUs, to say what fraction of its peak a cell reached.

Figures are NVIDIA datasheet peaks in TFLOP/s for dense math (without the 2x
structured-sparsity figure), at boost clock, on tensor cores where the dtype uses
them ("float32" is plain FP32 on CUDA cores; "tf32" is FP32 matmuls when TF32 is
allowed). A device whose name matches no row gets no fraction rather than a guess.
"""

from __future__ import annotations

# Matched against torch.cuda.get_device_name() by substring, longest name first.
PEAK_TFLOPS: dict[str, dict[str, float]] = {
    "H200": {"float64": 67.0, "float32": 67.0, "tf32": 494.7, "bfloat16": 989.4, "float16": 989.4, "float8": 1978.9},
    "H100 NVL": {"float64": 60.0, "float32": 60.0, "tf32": 417.5, "bfloat16": 835.0, "float16": 835.0, "float8": 1670.5},
    "H100 PCIe": {"float64": 51.0, "float32": 51.0, "tf32": 378.0, "bfloat16": 756.0, "float16": 756.0, "float8": 1513.0},
    "H100": {"float64": 67.0, "float32": 67.0, "tf32": 494.7, "bfloat16": 989.4, "float16": 989.4, "float8": 1978.9},
    "A100": {"float64": 19.5, "float32": 19.5, "tf32": 156.0, "bfloat16": 312.0, "float16": 312.0},
    "L40S": {"float32": 91.6, "tf32": 183.0, "bfloat16": 362.1, "float16": 362.1, "float8": 733.0},
    "L4": {"float32": 30.3, "tf32": 60.0, "bfloat16": 121.0, "float16": 121.0, "float8": 242.0},
    "A10G": {"float32": 31.2, "tf32": 62.5, "bfloat16": 125.0, "float16": 125.0},
    "A10": {"float32": 31.2, "tf32": 62.5, "bfloat16": 125.0, "float16": 125.0},
    "T4": {"float32": 8.1, "float16": 65.0},
    "V100": {"float64": 7.8, "float32": 15.7, "float16": 125.0},
    "RTX 4090": {"float32": 82.6, "tf32": 82.6, "bfloat16": 165.2, "float16": 165.2},
    "RTX 3090": {"float32": 35.6, "tf32": 35.6, "bfloat16": 71.0, "float16": 71.0},
}
_BY_LENGTH = sorted(PEAK_TFLOPS, key=len, reverse=True)


def peak_flops_per_s(device_name: str, dtype: str) -> float | None:
    """The datasheet peak in FLOP/s for this GPU and dtype; None when unknown."""
    for key in _BY_LENGTH:
        if key in device_name:
            tflops = PEAK_TFLOPS[key].get(dtype)
            return tflops * 1e12 if tflops is not None else None
    return None


def rate_dtype(param_dtype: str, tf32_allowed: bool) -> str:
    """The row of the table a model's matmuls run at: float32 becomes tf32 when TF32 is allowed."""
    if param_dtype in ("", "float32"):
        return "tf32" if tf32_allowed else "float32"
    if param_dtype.startswith("float8"):
        return "float8"
    return param_dtype
