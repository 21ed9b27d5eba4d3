"""What the torch and gpu sections show (``--torch``/``--gpu``/``--flops``), for the text and HTML views.

Rows of already-formatted strings (``Section`` from linedetail.py): views lay them
out and, in HTML, escape them. The last cell of a row names the op, line or module.
"""

from __future__ import annotations

from ..model import Profile, TorchLine, TorchSection
from . import format as fmt
from .linedetail import Section

TOP_OPS = 10
TOP_LINES = 10
TOP_MODULES = 5


def count(value: float, unit: str) -> str:
    """``342.1 MFLOP``: decimal prefixes up to P."""
    for prefix in ("", "k", "M", "G", "T"):
        if abs(value) < 1000:
            return f"{value:.0f} {prefix}{unit}" if not prefix else f"{value:.1f} {prefix}{unit}"
        value /= 1000
    return f"{value:.1f} P{unit}"


def torch_summary(torch: TorchSection) -> str:
    """One line of the section's headline figures."""
    parts = [f"PyTorch on {torch.device}"]
    if torch.flops:
        parts.append(f"{count(torch.flops, 'FLOP')} ({torch.flops_source or 'counted'})")
    if torch.flops_per_s:
        rate = f"{count(torch.flops_per_s, 'FLOP/s')} achieved"
        if torch.peak_fraction is not None:
            rate += f", {torch.peak_fraction:.1%} of the {torch.dtype or 'float32'} peak"
        parts.append(rate)
    if torch.device_memory_peak_bytes is not None:
        label = "device memory peak" if torch.device.startswith("cuda") else "tensor memory peak (allocated in the cell)"
        bound = "≥ " if torch.device_memory_peak_is_lower_bound else ""
        parts.append(f"{label} {bound}{fmt.size(torch.device_memory_peak_bytes)}")
    if torch.device_memory_reserved_peak_bytes is not None:
        parts.append(f"reserved peak {fmt.size(torch.device_memory_reserved_peak_bytes)}")
    if torch.device.startswith("cuda") or torch.syncs:
        parts.append(f"{torch.syncs} CPU-GPU sync{'s' if torch.syncs != 1 else ''}")
    if torch.device_elapsed_s is not None:
        parts.append(f"GPU span {fmt.seconds(torch.device_elapsed_s)} (CUDA events)")
    if torch.dataloader_wait_s > 0:
        parts.append(f"DataLoader wait {fmt.seconds(torch.dataloader_wait_s)}")
    if torch.trace_path:
        parts.append(f"trace: {torch.trace_path}")
    return " · ".join(parts)


def _device(seconds: float, torch: TorchSection) -> str:
    """Device (kernel) time; blank on the CPU, where there is none."""
    return fmt.seconds(seconds) if torch.device != "cpu" else ""


def _place(line: TorchLine) -> str:
    where = f"{line.file} line {line.line}" if line.origin == "cell" else f"{line.file}:{line.line}"
    function = f" ({line.function})" if line.function else ""
    return f"{where}{function}: {line.code}"


def torch_sections(profile: Profile) -> list[Section]:
    torch = profile.torch
    out: list[Section] = []
    if torch is not None:
        rows = [
            [
                fmt.seconds(op.self_s),
                _device(op.device_s, torch),
                f"{op.count:,}",
                count(op.flops, "FLOP") if op.flops else "",
                f"{op.name} ({op.shapes})" if op.shapes else op.name,
            ]
            for op in torch.ops[:TOP_OPS]
        ]
        out.append(Section(torch_summary(torch), ["self CPU", "device", "calls", "FLOPs", "op (input shapes)"], rows))
        if torch.lines:
            ranked = sorted(torch.lines, key=lambda s: s.cpu_s + s.device_s, reverse=True)[:TOP_LINES]
            line_rows = [
                [fmt.seconds(s.cpu_s), _device(s.device_s, torch), f"{s.ops:,}", str(s.syncs), _place(s)]
                for s in ranked
            ]
            out.append(
                Section(
                    "Torch ops by line (a line includes the ops of the functions it calls)",
                    ["op CPU", "kernels", "ops", "syncs", "where"],
                    line_rows,
                )
            )
        modules = [
            [
                f"{m.params:,}",
                fmt.size(m.bytes),
                f"{m.calls:,}",
                count(m.flops, "FLOP") if m.flops else "",
                f"{m.name}: {m.type} ({', '.join(m.dtypes)}{', ' + m.device if m.device else ''})",
            ]
            for m in torch.modules[:TOP_MODULES]
        ]
        if modules:
            out.append(Section("nn.Modules called", ["params", "size", "calls", "FLOPs", "module"], modules))
    gpu = profile.gpu
    if gpu is not None and gpu.utilization:
        utilization = [u for _, u in gpu.utilization]
        memory = max((m for _, m in gpu.memory), default=0.0)
        row = [
            f"{sum(utilization) / len(utilization):.0f}%",
            f"{max(utilization):.0f}%",
            fmt.size(memory),
            f"{len(utilization):,}",
            gpu.device,
        ]
        out.append(
            Section(
                "GPU, whole device (NVML samples; never charged to lines)",
                ["mean util", "max util", "max memory", "samples", "device"],
                [row],
            )
        )
    return out
