"""%%perf --torch / --gpu / --flops / --trace: what a PyTorch user sees, on CPU-only torch.

GPU behaviour is tested where a CUDA device exists (marked ``gpu``; skipped elsewhere).
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from perfnb.engines.device_memory import device_peaks
from perfnb.engines.nvml import NvmlSampler
from perfnb.engines.torch_device import fill_rates
from perfnb.engines.torch_events import Record, memory_curve, summarize
from perfnb.engines.torch_flops import CONV2D, COUNTED, op_flops
from perfnb.engines.torch_lines import syncs_with_device
from perfnb.engines.torch_syncs import MESSAGE, SyncCounter
from perfnb.gpu_peaks import peak_flops_per_s, rate_dtype
from perfnb.model import MIME_TYPE, CellInfo, Profile, TorchSection
from perfnb.stats import timing_from_runs

from .conftest import profiles, run, validate

torch = pytest.importorskip("torch")
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

MODEL = """import torch
from torch import nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(512, 1024), nn.ReLU(), nn.Linear(1024, 10))
x = torch.randn(64, 512)
def step(m, batch):
    y = m(batch)
    return y.sum()
"""
LINEAR_FLOPS = 2 * 64 * 512 * 1024
PARAMS = 512 * 1024 + 1024 + 1024 * 10 + 10


@pytest.fixture
def model(ip: Any) -> int:
    """Defines the model cell; its execution count."""
    result = run(ip, MODEL)
    assert result.success, result.error_in_exec
    return int(result.execution_count)


def assert_torch_restored() -> None:
    from torch.overrides import _get_current_function_mode_stack
    from torch.utils._python_dispatch import _get_current_dispatch_mode_stack

    assert _get_current_function_mode_stack() == []
    assert _get_current_dispatch_mode_stack() == []
    assert not torch.autograd.profiler._is_profiler_enabled
    assert not torch.nn.modules.module._global_forward_pre_hooks


def test_flops_of_a_linear_layer_are_exact(ip: Any, model: int) -> None:
    run(ip, "%%perf --flops -q -o p\nlayer = nn.Linear(512, 1024)\nout = layer(x)\n")
    torch_section = ip.user_ns["p"].torch
    assert torch_section.flops == LINEAR_FLOPS
    assert torch_section.flops_source == "FlopCounterMode"
    assert torch_section.module_flops == {"Linear": LINEAR_FLOPS}
    assert torch_section.flops_per_s == pytest.approx(LINEAR_FLOPS / ip.user_ns["p"].timing.wall_s)
    assert torch_section.peak_fraction is None  # a CPU has no row in the peak table
    run(ip, "%%perf --torch -q -o p\nout = layer(x)\n")
    (addmm,) = [op for op in ip.user_ns["p"].torch.ops if op.name == "aten::addmm"]
    assert (addmm.count, addmm.flops, addmm.shapes) == (1, LINEAR_FLOPS, "1024, 64×512, 512×1024")
    assert ip.user_ns["p"].torch.flops == LINEAR_FLOPS
    assert_torch_restored()


def test_op_and_line_table_name_the_lines_that_launched_the_ops(ip: Any, model: int, schema: dict[str, Any]) -> None:
    result = run(ip, "%%perf --torch --flops\nfor i in range(4):\n    s = step(model, x)\n    v = s.item()\n")
    assert result.success and isinstance(ip.user_ns["v"], float)
    (data,) = profiles(ip)
    validate(data, schema)
    profile = Profile.from_dict(data)
    assert profile.to_dict() == data
    section = profile.torch
    assert section is not None and section.device == "cpu"
    ops = {(op.name, op.shapes): op for op in section.ops}
    assert ops[("aten::addmm", "1024, 64×512, 512×1024")].count == 4
    assert ops[("aten::addmm", "1024, 64×512, 512×1024")].flops == 4 * LINEAR_FLOPS
    assert section.flops == 4 * (LINEAR_FLOPS + 2 * 64 * 1024 * 10)
    cell = result.execution_count
    lines = {(line.file, line.line): line for line in section.lines}
    call, item = lines[(f"In [{cell}]", 3)], lines[(f"In [{cell}]", 4)]
    forward = lines[(f"In [{model}]", 7)]
    assert (call.code, item.code, forward.code, forward.function) == (
        "s = step(model, x)", "v = s.item()", "y = m(batch)", "step"
    )
    assert forward.cpu_s > 10 * item.cpu_s
    # Inclusive: the cell line calling step() carries its forward pass and its sum.
    assert call.cpu_s == pytest.approx(forward.cpu_s + lines[(f"In [{model}]", 8)].cpu_s)
    own = [line for line in section.lines if line.cell == cell]
    assert sum(line.cpu_s for line in own) == pytest.approx(section.cpu_s, rel=0.02)
    assert section.syncs == 0 and all(line.syncs == 0 for line in section.lines)  # no device: nothing to wait for
    (summary,) = section.modules
    assert (summary.name, summary.type, summary.params, summary.dtypes, summary.calls) == (
        "model", "Sequential", PARAMS, ["float32"], 4
    )
    assert summary.bytes == 4 * PARAMS
    assert summary.flops == section.flops
    text = next(d["text/plain"] for d in ip.captured if MIME_TYPE in d)
    assert f"In [{model}] line 7 (step): y = m(batch)" in text and "aten::addmm" in text
    assert "model: Sequential (float32, cpu)" in text
    assert_torch_restored()


def test_summary_of_records_nests_ops_links_kernels_and_follows_memory() -> None:
    """The GPU-shaped parts of the event summary, on records as torch.profiler gives them."""
    ms = 1_000_000
    cpu = [
        Record("perfnb@0", 0, 10 * ms, thread=1),
        Record("aten::linear", 1 * ms, 9 * ms, thread=1, correlation=1),
        Record("aten::addmm", 2 * ms, 8 * ms, thread=1, shapes=[[1024], [64, 512], [512, 1024]], flops=7, correlation=2),
        Record("cudaLaunchKernel", 3 * ms, 4 * ms, thread=1, correlation=3, linked=2),
        Record("perfnb@1", 20 * ms, 30 * ms, thread=1),
        Record("aten::item", 21 * ms, 29 * ms, thread=1, correlation=4),
        Record("cudaStreamSynchronize", 22 * ms, 28 * ms, thread=1, correlation=5, linked=4),
        Record("aten::mm", 40 * ms, 41 * ms, thread=1, correlation=6),  # outside any call site
        Record("cudaDeviceSynchronize", 42 * ms, 43 * ms, thread=1, correlation=7),
        Record("perfnb@internal", 50 * ms, 60 * ms, thread=1),
        Record("cudaDeviceSynchronize", 51 * ms, 59 * ms, thread=1, correlation=8),
        Record("aten::addmm", 5 * ms, 6 * ms, thread=9, correlation=9),  # autograd's thread, inside perfnb@0's span
    ]
    kernel = Record("sm90_gemm", 4 * ms, 7 * ms, cpu=False, linked=2)
    memory = [Record("[memory]", t * ms, t * ms, cpu=False, nbytes=n) for t, n in ((2, 4000), (5, 6000), (9, -6000))]
    summary = summarize([*cpu, kernel, *memory], device_memory=True, memory_start=1000)
    ops = {(op.name, op.shapes): op for op in summary.ops}
    addmm = ops[("aten::addmm", "1024, 64×512, 512×1024")]
    assert (addmm.count, addmm.flops, addmm.self_s, addmm.device_s) == (1, 7, pytest.approx(0.005), pytest.approx(0.003))
    assert ops[("aten::linear", "")].self_s == pytest.approx(0.002)
    assert summary.sites["perfnb@0"].device_s == pytest.approx(0.003)
    assert summary.sites["perfnb@0"].cpu_s == pytest.approx(0.008 + 0.001)  # + the autograd-thread op
    assert summary.sites["perfnb@1"].runtime_syncs == 1
    assert summary.unattributed_syncs == 1  # the explicit synchronize; perfnb's own is left out
    assert summary.device_s == pytest.approx(0.003) and summary.flops == 7
    assert summary.memory_peak_bytes == 11_000 and summary.memory_timeline[-1][1] == 5000


def test_flops_from_recorded_shapes_match_torch_profilers_own() -> None:
    """perfnb applies torch.profiler's FLOP formulas to the shapes itself (with_flops keeps tensors alive)."""
    from torch.profiler import ProfilerActivity, profile

    a, b, batch = torch.randn(4, 8), torch.randn(8, 5), torch.randn(2, 4, 8)
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True, with_flops=True) as prof:
        torch.nn.functional.conv2d(torch.randn(2, 6, 17, 15), torch.randn(8, 3, 3, 2), stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2)
        _ = (a @ b, torch.addmm(torch.randn(5), a, b), torch.bmm(batch, torch.randn(2, 8, 5)))
        _ = (torch.baddbmm(torch.randn(2, 4, 5), batch, torch.randn(2, 8, 5)), a * 3, a + a)
    counted = [e for e in prof.profiler.kineto_results.events() if e.name() in COUNTED]
    assert {e.name() for e in counted} == set(COUNTED)
    for e in counted:
        arguments = e.concrete_inputs() if e.name() == CONV2D else ()
        assert op_flops(e.name(), e.shapes(), arguments) == e.flops() > 0, e.name()


def test_dataloader_wait_is_measured(ip: Any, model: int) -> None:
    setup = (
        "from torch.utils.data import DataLoader, Dataset\n"
        "import time\n"
        "class Slow(Dataset):\n"
        "    def __len__(self):\n        return 8\n"
        "    def __getitem__(self, i):\n        time.sleep(0.005)\n        return torch.ones(4)\n"
    )
    run(ip, setup)
    run(ip, "%%perf --torch -q -o p\nfor batch in DataLoader(Slow(), batch_size=2):\n    total = batch.sum()\n")
    assert ip.user_ns["p"].torch.dataloader_wait_s >= 8 * 0.005


def test_the_cell_and_its_error_are_unchanged_and_torch_is_restored(ip: Any, model: int) -> None:
    result = run(ip, "%%perf --torch --flops -q\ny = model(x)\nraise ValueError('from the cell')\n")
    assert isinstance(result.error_in_exec, ValueError) and str(result.error_in_exec) == "from the cell"
    assert tuple(ip.user_ns["y"].shape) == (64, 10)
    assert_torch_restored()
    result = run(ip, "%%perf -n 3 --torch --flops -q -o p\ny = model(x)\n")
    assert result.success and ip.user_ns["p"].torch.flops == 3 * (LINEAR_FLOPS + 2 * 64 * 1024 * 10)
    assert_torch_restored()


def test_trace_file_loads_as_a_chrome_trace_with_notebook_names(ip: Any, model: int, tmp_path: Path) -> None:
    path = tmp_path / "trace.json"
    result = run(ip, f"%%perf --trace {path} -q -o p\ns = step(model, x)\n")
    assert result.success
    assert ip.user_ns["p"].torch.trace_path == str(path)
    trace = json.loads(path.read_text())
    events = trace["traceEvents"]
    assert all("ph" in e and "name" in e for e in events)
    assert all(isinstance(e["ts"], (int, float)) for e in events if e["ph"] == "X")
    names = {e["name"] for e in events}
    assert f"In [{model}] line 7: y = m(batch) (from In [{result.execution_count}] line 2)" in names
    assert "aten::addmm" in names
    assert not any(n.startswith("perfnb@") for n in names)


def test_html_shows_user_strings_as_text(ip: Any, model: int) -> None:
    run(ip, "%%perf --torch\n_ = step(model, x)  # <b>bold</b>\n")
    html = next(d["text/html"] for d in ip.captured if MIME_TYPE in d)
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    assert "Torch ops by line" in html


def test_without_torch_the_cell_runs_and_one_line_says_so(ip: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    result = run(ip, "%%perf --torch --flops -o p\nanswer = 6 * 7\n")
    assert result.success and ip.user_ns["answer"] == 42
    profile = ip.user_ns["p"]
    assert profile.torch is None
    text = next(d["text/plain"] for d in ip.captured if MIME_TYPE in d)
    missing = [line for line in text.splitlines() if "PyTorch is not installed" in line]
    assert len(missing) == 1


def test_default_mode_stays_off_torch() -> None:
    """Without --torch, a cell that does not use torch neither imports it nor gets a torch section."""
    code = (
        "import sys\nfrom IPython.core.interactiveshell import InteractiveShell\n"
        "ip = InteractiveShell.instance()\nip.run_line_magic('load_ext', 'perfnb')\n"
        "ip.run_cell('%%perf -q -o p\\ntotal = sum(range(1000))\\n', store_history=True)\n"
        "print('torch' in sys.modules, ip.user_ns['p'].torch, ip.user_ns['p'].meta.engines)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False None ['sampler']"


def test_default_mode_on_cpu_torch_adds_no_torch_section(ip: Any, model: int) -> None:
    run(ip, "%%perf -q -o p\ny = model(x)\n")
    profile = ip.user_ns["p"]
    assert profile.torch is None and profile.meta.engines == ["sampler"]  # no CUDA: nothing cheap to add


def test_usage_options() -> None:
    from perfnb.options import parse

    assert parse("--gpu").torch and parse("--trace t.json").torch and not parse("--flops").torch
    assert parse("--trace t.json").trace == "t.json" and parse("--gpu").gpu


def test_gpu_without_a_gpu_still_profiles_torch_and_says_why(ip: Any, model: int) -> None:
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    run(ip, "%%perf --gpu -q -o p\ny = model(x)\n")
    profile = ip.user_ns["p"]
    assert profile.torch is not None and profile.torch.ops and profile.gpu is None
    assert any("no GPU here" in e for e in profile.meta.errors)


# -- pure parts -----------------------------------------------------------------


def fake_tensor(device: str) -> Any:
    return SimpleNamespace(device=SimpleNamespace(type=device))


def test_sync_points() -> None:
    gpu, cpu = fake_tensor("cuda"), fake_tensor("cpu")
    assert syncs_with_device("item", (gpu,), {})
    assert syncs_with_device("tolist", (gpu,), {}) and syncs_with_device("__bool__", (gpu,), {})
    assert syncs_with_device("nonzero", (gpu,), {}) and syncs_with_device("where", (gpu,), {})
    assert not syncs_with_device("where", (gpu, gpu, gpu), {})
    assert syncs_with_device("to", (gpu, "cpu"), {}) and syncs_with_device("to", (gpu,), {"device": "cpu"})
    assert not syncs_with_device("to", (gpu, "cuda:1"), {}) and not syncs_with_device("to", (cpu, "cpu"), {})
    assert syncs_with_device("copy_", (cpu, gpu), {}) and not syncs_with_device("copy_", (gpu, cpu), {})
    assert not syncs_with_device("item", (cpu,), {}) and not syncs_with_device("add", (gpu, gpu), {})


def test_peak_table_and_achieved_fraction() -> None:
    assert peak_flops_per_s("NVIDIA H100 PCIe", "bfloat16") == 756e12
    assert peak_flops_per_s("NVIDIA H100 80GB HBM3", "bfloat16") == 989.4e12
    assert peak_flops_per_s("NVIDIA A10G", "float16") == 125e12
    assert peak_flops_per_s("Tesla T4", "bfloat16") is None
    assert peak_flops_per_s("Some Future GPU", "float32") is None
    assert rate_dtype("float32", tf32_allowed=True) == "tf32" and rate_dtype("", False) == "float32"
    section = TorchSection(device="cuda:0 (NVIDIA A100-SXM4-80GB)", flops=int(312e12), dtype="bfloat16")
    fill_rates(section, wall_s=2.0, tf32_allowed=False)
    assert section.flops_per_s == 156e12 and section.peak_fraction == pytest.approx(0.5)


def test_device_memory_peak_is_exact_only_when_the_cell_set_a_new_peak() -> None:
    assert device_peaks((100, 500, 800), (200, 900, 1000, 1000)) == (900, True, 1000)
    assert device_peaks((100, 500, 800), (300, 500, 800, 600)) == (300, False, 600)


def test_memory_curve_keeps_the_peak_when_downsampled() -> None:
    changes = [(float(t), 10 if t % 2 == 0 else -10) for t in range(4000)]
    changes[2001] = (2001.0, 5_000)
    peak, points = memory_curve(changes, start=100)
    assert peak == 5_120 and len(points) <= 500 and max(p[1] for p in points) == peak


class FakeCuda:
    """torch.cuda as the sync counter sees it, with the sync-debug mode the kernel is in."""

    def __init__(self, mode: int) -> None:
        self.mode = mode

    def is_initialized(self) -> bool:
        return True

    def get_sync_debug_mode(self) -> int:
        return self.mode

    def set_sync_debug_mode(self, mode: int) -> None:
        self.mode = mode


def fake_cuda_torch(mode: int) -> Any:
    return SimpleNamespace(cuda=FakeCuda(mode), backends=SimpleNamespace(cuda=SimpleNamespace(is_built=lambda: False)))


def torch_sync_warning() -> None:
    """What torch issues, in sync-debug mode "warn", on each synchronising CUDA operation."""
    warnings.warn(f"{MESSAGE} (Triggered internally at c10/cuda/CUDAFunctions.cpp:160.)", UserWarning, stacklevel=1)


def test_default_mode_sync_counter_counts_each_sync_and_puts_everything_back() -> None:
    fake = fake_cuda_torch(mode=0)
    shown: list[str] = []
    filters, show = list(warnings.filters), warnings.showwarning
    warnings.showwarning = lambda message, *args, **kwargs: shown.append(str(message))
    try:
        counter = SyncCounter(fake)
        counter.start()
        assert fake.cuda.mode == 1  # "warn", for the cell only
        for _ in range(3):
            torch_sync_warning()  # one line, three syncs: each one counts
        warnings.warn("the user's own warning", UserWarning, stacklevel=1)
        counter.stop()
        counter.stop()
        assert fake.cuda.mode == 0 and warnings.filters == filters
        assert shown == ["the user's own warning"]  # perfnb's sync warnings never reach the user
        profile = Profile(cell=CellInfo(1, ""), timing=timing_from_runs([0.1], 0.1))
        counter.contribute(profile, None)  # type: ignore[arg-type]
        assert profile.torch is not None and profile.torch.syncs == 3 and not profile.meta.errors
    finally:
        warnings.showwarning = show


def test_sync_counter_leaves_the_users_sync_debug_mode_as_it_was() -> None:
    show = warnings.showwarning
    shown: list[str] = []
    warnings.showwarning = lambda message, *args, **kwargs: shown.append(str(message))
    try:
        warned = SyncCounter(fake_cuda_torch(mode=1))  # the user asked for the warnings: they still see them
        warned.start()
        torch_sync_warning()
        warned.stop()
        assert warned.syncs == 1 and len(shown) == 1 and shown[0].startswith(MESSAGE)
        strict = SyncCounter(fake_cuda_torch(mode=2))  # "error": torch raises on a sync; nothing to count
        strict.start()
        strict.stop()
        profile = Profile(cell=CellInfo(1, ""), timing=timing_from_runs([0.1], 0.1))
        strict.contribute(profile, None)  # type: ignore[arg-type]
        assert profile.torch is None and any("not counted" in e for e in profile.meta.errors)
    finally:
        warnings.showwarning = show


class FakeNvml:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def nvmlInit(self) -> None:
        self.calls.append("init")

    def nvmlShutdown(self) -> None:
        self.calls.append("shutdown")

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        return index

    def nvmlDeviceGetName(self, handle: int) -> bytes:
        return b"Fake GPU"

    def nvmlDeviceGetUtilizationRates(self, handle: int) -> Any:
        return SimpleNamespace(gpu=37)

    def nvmlDeviceGetMemoryInfo(self, handle: int) -> Any:
        return SimpleNamespace(used=123_000)


def test_nvml_sampler_fills_the_gpu_section_and_shuts_down() -> None:
    import threading
    import time

    nvml = FakeNvml()
    sampler = NvmlSampler(interval_s=0.002, nvml=nvml, device_index=0)
    sampler.start()
    time.sleep(0.05)
    sampler.stop()
    sampler.stop()
    assert nvml.calls == ["init", "shutdown"]
    assert not any(t.name == "perfnb-nvml" for t in threading.enumerate())
    profile = Profile(cell=CellInfo(1, ""), timing=timing_from_runs([0.05], 0.05))
    sampler.contribute(profile, None)  # type: ignore[arg-type]
    assert profile.gpu is not None and profile.gpu.device == "Fake GPU"
    assert len(profile.gpu.utilization) >= 3 and {u for _, u in profile.gpu.utilization} == {37.0}
    assert {m for _, m in profile.gpu.memory} == {123_000.0}
    times = [t for t, _ in profile.gpu.utilization]
    assert times == sorted(times)


# -- on a GPU -------------------------------------------------------------------


@cuda
@pytest.mark.gpu
def test_gpu_kernel_time_per_line_matches_cuda_events_and_syncs_are_counted(ip: Any, model: int) -> None:
    run(ip, "model = model.cuda()\nxg = x.cuda()\n")
    result = run(ip, "%%perf --gpu -q -o p\nfor i in range(20):\n    s = step(model, xg)\nv = s.item()\n")
    assert result.success
    section = ip.user_ns["p"].torch
    assert section.device.startswith("cuda")
    own = [line for line in section.lines if line.cell == result.execution_count]
    assert section.device_elapsed_s is not None
    assert sum(line.device_s for line in own) == pytest.approx(section.device_s, rel=0.01)
    assert {(line.line, line.syncs) for line in own} >= {(4, 1)}
    assert section.device_memory_peak_bytes is not None and section.device_memory_peak_bytes > 0
    assert ip.user_ns["p"].gpu is not None and ip.user_ns["p"].gpu.utilization


@cuda
@pytest.mark.gpu
def test_default_mode_on_a_gpu_counts_syncs_without_the_profiler(ip: Any, model: int) -> None:
    run(ip, "xg = x.cuda()\n")
    result = run(ip, "%%perf -q -o p\nfor i in range(5):\n    v = (xg * i).sum().item()\n")
    assert result.success
    profile = ip.user_ns["p"]
    assert "torch" not in profile.meta.engines and "syncs" in profile.meta.engines
    assert profile.torch is not None and profile.torch.syncs == 5
    assert torch.cuda.get_sync_debug_mode() == 0
    assert_torch_restored()


# -- in a real kernel -----------------------------------------------------------


@pytest.mark.kernel
def test_torch_profile_in_a_real_kernel(schema: dict[str, Any]) -> None:
    from .kernel import execute, profile_outputs, stream

    outputs = execute(
        [
            "%load_ext perfnb",
            MODEL,
            "%%perf --torch\ns = step(model, x)\nfloat(s)",
            "from torch.overrides import _get_current_function_mode_stack as f\n"
            "print(f(), torch.autograd.profiler._is_profiler_enabled, dict(torch.nn.modules.module._global_forward_pre_hooks))",
        ]
    )
    (data,) = profile_outputs(outputs[2])
    validate(data, schema)
    assert any(o["output_type"] == "execute_result" for o in outputs[2])
    section = data["torch"]
    assert [m["name"] for m in section["modules"]] == ["model"]
    assert {(line["file"], line["line"], line["code"]) for line in section["lines"]} >= {("In [2]", 7, "y = m(batch)")}
    assert stream(outputs[3]).strip() == "[] False {}"
