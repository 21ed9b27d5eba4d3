"""--verify: run each measurable candidate on copies, time it against the original, compare
the outputs, and keep the suggestion only when it is faster.

Candidates: functools.cache on a pure function (re-evaluating the cell's call site with a
cached copy of the function bound in a copy of its globals), float32 instead of float64
(re-evaluating the hot expression on float32 copies of the arrays), and int8 dynamic
quantization with torchao's ``quantize_`` (a deep copy of the module). The user's objects
and namespace are never modified: everything runs on copies.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import functools
import io
import logging
import types
import warnings
from collections.abc import Callable
from typing import Any

from ..model import Suggestion
from .astscan import Loop, calls, dotted, stored_names, walk
from .caching import CallSite
from .context import Context
from .kinds import is_ndarray, is_tensor
from .measure import Measurement, best_time, delta_text, difference, faster, speed_text
from .purity import is_pure_call, mutated_names
from .torchsites import ModuleUse

MIN_GAIN = 1.1  # measured faster than this, or withdrawn
MAX_RERUN_S = 5.0  # a candidate whose original took longer than this is not re-run


def verify_all(ctx: Context, suggestions: list[Suggestion]) -> list[Suggestion]:
    kept: list[Suggestion] = []
    for suggestion in suggestions:
        verifier = VERIFIERS.get(suggestion.rule)
        candidate = ctx.candidates.get(id(suggestion))
        if verifier is None or candidate is None:
            kept.append(suggestion)
            continue
        try:
            result = verifier(ctx, suggestion, candidate)
        except Exception as exc:  # a candidate that fails to run is reported, not raised
            result = Measurement(False, f"not measured: the candidate failed ({type(exc).__name__}: {exc})")
        if result is None:
            if id(suggestion) in ctx.needs_measurement:
                ctx.profile.meta.advice_notes.append(f"{suggestion.title}: withdrawn, no way to measure it here")
                continue
            kept.append(suggestion)
            continue
        if not result.keep:
            ctx.profile.meta.advice_notes.append(f"{suggestion.title}: withdrawn — {result.text}")
            continue
        suggestion.verified = result.text
        if result.speedup is not None:
            suggestion.speedup = f"measured {result.speedup:.1f}×"
            suggestion.saving_s = suggestion.saving_s / (1 - 1 / _low(suggestion)) * (1 - 1 / result.speedup)
        kept.append(suggestion)
    return kept


def _low(suggestion: Suggestion) -> float:
    from . import all_rules

    for rule in all_rules():
        if rule.id == suggestion.rule:
            return rule.speedup[0]
    return 2.0


# -- caching -------------------------------------------------------------------------------

def verify_cache(ctx: Context, suggestion: Suggestion, candidate: Any) -> Measurement | None:
    name, sites = candidate
    function = ctx.ns.get(name)
    if not isinstance(function, types.FunctionType) or ctx.function_time(name) / ctx.runs > MAX_RERUN_S:
        return None
    unit = _call_unit(ctx, name, sites)
    if unit is None:
        return None
    run = _unit_runner(unit)

    def variant(wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> dict[str, Any]:
        space = dict(function.__globals__)
        clone = types.FunctionType(function.__code__, space, name, function.__defaults__, function.__closure__)
        clone.__kwdefaults__ = copy.copy(function.__kwdefaults__)
        space[name] = wrap(clone)
        return space

    seen: set[Any] = set()
    count = [0]

    def census(clone: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            count[0] += 1
            seen.add((args, tuple(sorted(kwargs.items()))))
            return clone(*args, **kwargs)
        return counted

    try:
        run(variant(census))
    except TypeError as exc:
        if "unhashable" in str(exc):
            return Measurement(False, f"`{name}` receives unhashable arguments ({exc}): a cache needs a key")
        raise
    calls_made, distinct = count[0], len(seen)
    if calls_made == 0:
        return None
    if distinct > 0.9 * calls_made:
        return Measurement(False, f"{calls_made:,} calls with {distinct:,} distinct arguments: little to reuse")
    plain_s, expected = best_time(lambda: run(variant(lambda f: f)))
    cached_s, got = best_time(lambda: run(variant(functools.cache)))
    ratio = faster(plain_s, cached_s)
    same = _same(expected, got)
    census_text = f"{calls_made:,} calls, {distinct:,} distinct arguments"
    if ratio < MIN_GAIN or not same:
        why = "different results" if not same else f"{speed_text(ratio)} only"
        return Measurement(False, f"measured with functools.cache on a copy: {why} ({census_text})")
    return Measurement(
        True, f"measured {ratio:.1f}× faster with functools.cache on a copy ({census_text}), same results", ratio
    )


def _same(expected: Any, got: Any) -> bool:
    try:
        return bool(expected == got)
    except Exception:
        found = difference(expected, got)
        return found is not None and found[0] == 0


def _call_unit(ctx: Context, name: str, sites: list[CallSite]) -> ast.stmt | None:
    """The statement of the profiled cell that calls ``name`` and may be re-run on copies:
    it calls nothing but ``name`` and pure functions, and changes no object in place."""
    cell = ctx.cell_scope()
    if cell is None:
        return None
    for statement in getattr(cell.node, "body", []):
        if not any(dotted(c.func) == name for c in calls(statement)):
            continue
        if not isinstance(statement, (ast.Expr, ast.Assign, ast.AugAssign, ast.For)):
            return None
        if mutated_names([statement]) - stored_names(statement) or any(
            dotted(c.func) != name and not is_pure_call(c) for c in calls(statement)
        ):
            return None
        return statement
    return None


def _unit_runner(unit: ast.stmt) -> Callable[[dict[str, Any]], Any]:
    """Runs the statement in a namespace; returns its value (an expression) or the names it binds."""
    if isinstance(unit, (ast.Expr, ast.Assign)):
        code = compile(ast.Expression(unit.value), "<perfnb verify>", "eval")
        return lambda space: eval(code, space)
    module = ast.Module(body=[unit], type_ignores=[])
    code = compile(module, "<perfnb verify>", "exec")
    bound = sorted(stored_names(unit))

    def run(space: dict[str, Any]) -> Any:
        exec(code, space)
        return [space.get(n) for n in bound]
    return run


# -- float32 ---------------------------------------------------------------------------------

def verify_float32(ctx: Context, suggestion: Suggestion, candidate: Any) -> Measurement | None:
    statement, names = candidate
    value = getattr(statement, "value", None)
    if not isinstance(value, ast.expr) or any(not is_pure_call(c) for c in calls(value)):
        return None
    code = compile(ast.Expression(value), "<perfnb verify>", "eval")
    original = dict(ctx.ns)
    single = dict(ctx.ns)
    for n in names:
        array = ctx.ns[n]
        single[n] = array.astype("float32") if is_ndarray(array) else array.float()
    wide_s, wide = best_time(lambda: eval(code, dict(original)))
    narrow_s, narrow = best_time(lambda: eval(code, dict(single)))
    ratio = faster(wide_s, narrow_s)
    found = difference(wide, narrow)
    text = f"measured float32 {speed_text(ratio)} than float64 on copies{delta_text(found)}"
    return Measurement(ratio >= MIN_GAIN, text, ratio)


# -- int8 quantization ------------------------------------------------------------------------

def verify_quantize(ctx: Context, suggestion: Suggestion, candidate: Any) -> Measurement | None:
    use: ModuleUse = candidate
    example = _example_input(ctx, use)
    if example is None:
        return None
    quantize = _torchao_quantize()
    if quantize is None:
        return Measurement(True, "not measured: torchao is not installed (`pip install torchao`)")
    import torch

    baseline = copy.deepcopy(use.module).eval()
    quantized = copy.deepcopy(use.module).eval()
    with _quiet():
        quantize(quantized)
    with torch.inference_mode():
        fp32_s, reference = best_time(lambda: baseline(*example))
        int8_s, result = best_time(lambda: quantized(*example))
    ratio = faster(fp32_s, int8_s)
    text = (f"measured int8 (torchao, dynamic activations) {speed_text(ratio)} than float32 on this CPU"
            f"{delta_text(difference(reference, result))}")
    return Measurement(ratio >= MIN_GAIN, text, ratio)


def _example_input(ctx: Context, use: ModuleUse) -> tuple[Any, ...] | None:
    """The arguments of one forward call of the module, evaluated from the namespace; a loop
    variable is bound to the first item of what the loop walks."""
    for scope, call, loop in use.sites:
        if not scope.is_cell or not call.args or any(not is_pure_call(c) for a in call.args for c in calls(a)):
            continue
        space = dict(ctx.ns)
        needed = {n.id for a in call.args for n in walk(a) if isinstance(n, ast.Name)}
        if loop is not None and needed & loop.assigned and not _bind_first(ctx, loop, space):
            continue
        try:
            args = tuple(eval(compile(ast.Expression(a), "<perfnb verify>", "eval"), space) for a in call.args)
        except Exception:
            continue
        if all(is_tensor(a) for a in args):
            return args
    return None


def _bind_first(ctx: Context, loop: Loop, space: dict[str, Any]) -> bool:
    node = loop.node
    if not isinstance(node, ast.For) or not isinstance(node.target, ast.Name) or not isinstance(node.iter, ast.Name):
        return False
    sequence: Any = ctx.ns.get(node.iter.id)
    try:
        space[node.target.id] = next(iter(sequence))
    except (TypeError, StopIteration):
        return False
    return True


def _torchao_quantize() -> Callable[[Any], None] | None:
    try:
        with _quiet():
            from torchao.quantization import Int8DynamicActivationInt8WeightConfig, quantize_
    except Exception:
        return None
    return lambda module: quantize_(module, Int8DynamicActivationInt8WeightConfig())


@contextlib.contextmanager
def _quiet() -> Any:
    """torchao logs warnings about optional kernels on import; they are not the user's concern."""
    loggers = [logging.getLogger(n) for n in ("torchao", "torch")]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


VERIFIERS: dict[str, Callable[[Context, Suggestion, Any], Measurement | None]] = {
    "repeated-calls": verify_cache,
    "float64-arrays": verify_float32,
    "torch-quantize": verify_quantize,
}
