"""How fast the interactive panel draws, in a real headless Chromium (not a timed test).

Loads the shipped bundle (perfnb/static/panel.js, built by `make frontend`) the way
anywidget does (an ES module from a blob URL, `render({model, el})`), feeds it a
synthetic profile with 50,000 call-tree nodes, and measures:

- first render: from `render()` until the next animation frame has been painted;
- switching views: from the tab click until the next frame, for each view; the flame
  graph both "cold" (switched to at once, before the panel builds it in idle time) and
  "warm" (after the idle build, which is what a user who reads the overview first gets);
  a cold switch shows the view at once and draws the graph after that paint, so the time
  from the click until the graph's frames (svg rects, at their final width) have been
  painted is reported too (`flame_cold_drawn`), and until every frame has been drawn
  (`flame_cold_complete`: the graph draws its widest frames first, then the narrower ones);
- zooming the flame graph: from the click on its widest frame below the root until that
  frame has been painted filling the width (`flame_zoom_drawn`; `frames_drawn_zoomed`
  counts the frames drawn then);
- the payload: the profile's JSON size.

Targets (issue 6): first render ≤ 500 ms, view switch ≤ 100 ms.

    python benchmarks/render.py            # 7 fresh pages, writes benchmarks/results/render-<host>.json
    python benchmarks/render.py --quick    # 2 pages
    python benchmarks/render.py --bundle OLD/panel.js   # another build (e.g. before a change); writes nothing
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
BUNDLE = ROOT / "perfnb" / "static" / "panel.js"
CSS = ROOT / "perfnb" / "static" / "panel.css"
CHROMIUM = os.environ.get("PERFNB_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWS = ["source", "memory", "advice", "overview"]


def synthetic_tree(nodes: int, seed: int = 1) -> dict[str, Any]:
    """A call tree of exactly `nodes` nodes: deep chains and wide fan-outs, like real programs."""
    rng = random.Random(seed)
    root: dict[str, Any] = {"name": "In [7]", "file": "In [7]", "line": 1, "time_s": 0.0, "self_s": 0.0,
                            "children": [], "cell": 7, "native_s": 0.0}
    frontier = [(root, 0)]
    count = 1
    while count < nodes:
        parent, depth = frontier[rng.randrange(len(frontier))] if rng.random() < 0.7 else frontier[-1]
        lib = rng.random() < 0.6
        node: dict[str, Any] = {
            "name": f"{'np.core.' if lib else ''}func_{count}",
            "file": f"/usr/lib/python3/site-packages/pkg{count % 40}/mod.py" if lib else f"In [{count % 6 + 1}]",
            "line": rng.randrange(1, 400), "time_s": 0.0, "self_s": rng.random() * 0.001,
            "children": [], "cell": None, "native_s": 0.0,
        }
        node["native_s"] = node["self_s"] * rng.random()
        parent["children"].append(node)
        count += 1
        if depth < 60:
            frontier.append((node, depth + 1))
    stack: list[tuple[dict[str, Any], bool]] = [(root, False)]
    while stack:  # totals bottom-up
        node, done = stack.pop()
        if done:
            node["time_s"] = node["self_s"] + sum(c["time_s"] for c in node["children"])
            node["native_s"] += sum(c["native_s"] for c in node["children"])
            node["children"].sort(key=lambda c: c["time_s"], reverse=True)
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in node["children"])
    return root


def synthetic_profile(nodes: int) -> dict[str, Any]:
    tree = synthetic_tree(nodes)
    wall = tree["time_s"]
    rng = random.Random(2)
    lines = [{"origin": "cell", "cell": 7, "file": "In [7]", "line": i, "code": f"x{i} = step_{i}(x{i - 1})",
              "time_s": wall * rng.random() / 5, "native_s": 0.0, "hits": None, "alloc_bytes": None,
              "function": ""} for i in range(2, 40)]
    lines += [{"origin": "file", "cell": None, "file": f"/usr/lib/python3/site-packages/pkg{i % 40}/mod.py", "line": i,
               "code": f"return impl_{i}(a, b)", "time_s": wall * rng.random() / 20, "native_s": 0.0,
               "hits": None, "alloc_bytes": None, "function": f"np.core.func_{i}"} for i in range(300)]
    runs = [wall * (1 + rng.random() * 0.2) for _ in range(50)]
    ordered = sorted(runs)
    return {
        "schema": "perfnb.profile/1",
        "cell": {"execution_count": 7, "source": "\n".join(["%%perf -n 50"] + [ln["code"] for ln in lines[:38]])},
        "timing": {"wall_s": wall, "cpu_s": wall, "runs_s": runs, "p50_s": ordered[25], "p95_s": ordered[47],
                   "p99_s": ordered[49]},
        "lines": lines,
        "tree": tree,
        "memory": {"rss_peak_bytes": 2_000_000_000, "traced_peak_bytes": None,
                   "timeline": [[i * 0.01, 1e9 + 1e7 * rng.random() * i] for i in range(200)]},
        "torch": None, "gpu": None,
        "suggestions": [{"rule": f"rule-{i}", "category": "vectorization", "level": "beginner", "title": f"Vectorize {i}",
                         "evidence": "a loop of 1,000,000 iterations", "lines": [3], "fix": "y = np.sum(x * x)",
                         "tutorial": "beginner/vectorize.ipynb", "verified": None} for i in range(4)],
    }


PAGE_SCRIPT = """
async ([code, css, payload]) => {
  const profile = JSON.parse(payload);
  const style = document.createElement('style'); style.textContent = css; document.head.appendChild(style);
  const url = URL.createObjectURL(new Blob([code], {type: 'text/javascript'}));
  const mod = await import(url);
  const el = document.createElement('div'); el.style.width = '1100px'; document.body.appendChild(el);
  const values = {profile, comparison: null, tutorials: {}, can_verify: true, verify: null};
  const model = {get: (k) => values[k], on() {}, off() {}, send() {}};
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  await frame();
  const t0 = performance.now();
  mod.default.render({model, el});
  el.getBoundingClientRect();
  const sync = performance.now() - t0;
  await frame();
  const painted = performance.now() - t0;
  const click = async (name) => {
    const b = el.querySelector(`[data-view="${name}"]`);
    const t = performance.now(); b.click(); el.getBoundingClientRect(); await frame();
    return performance.now() - t;
  };
  const result = {sync, painted, switch: {}};
  // drawn: the flame graph's rects have their final width (d3 sets it in a transition)
  const flame = () => el.querySelector('.pnb-view.pnb-current .pnb-flame');
  const drawn = (g) => g && g.querySelector('rect') && g.querySelector('rect').getAttribute('width') === g.getAttribute('width');
  const until = async (ok) => { const t = performance.now(); while (!ok() && performance.now() - t < 20000) await frame(); };
  if (window.__cold) {
    const t = performance.now();
    result.switch['flame (cold)'] = await click('flame');  // the switch shows the view at once; the graph follows
    await until(() => [...flame().querySelectorAll('g.frame')].some(drawn));
    result.cold_drawn = performance.now() - t;
    await until(() => flame().querySelector('.pnb-graph').getAttribute('aria-busy') !== 'true');  // every frame drawn
    result.cold_complete = performance.now() - t;
  }
  const tabs = el.querySelectorAll('[role="tab"]').length;
  const idleStart = performance.now();
  while (el.querySelectorAll('.pnb-view').length < tabs && performance.now() - idleStart < 20000) await new Promise((r) => setTimeout(r, 20));
  result.all_built = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 200));
  for (const name of ['flame', ...window.__views]) result.switch[name] = await click(name);
  result.switch['flame (again)'] = await click('flame');
  result.frames = flame().querySelectorAll('g.frame').length;
  const svgWidth = () => flame().querySelector('svg').getAttribute('width');
  const frames = [...flame().querySelectorAll('g.frame')].sort((a, b) => b.getAttribute('width') - a.getAttribute('width'));
  const y = (g) => g.getAttribute('transform').split(',')[1];
  const target = frames.find((g) => y(g) !== y(frames[0]));  // the widest frame below the root
  const name = target.getAttribute('name');
  const t = performance.now();
  target.querySelector('rect').dispatchEvent(new MouseEvent('click', {bubbles: true}));
  await until(() => [...flame().querySelectorAll(`g.frame[name="${CSS.escape(name)}"]`)].some((g) => drawn(g) && g.getAttribute('width') === svgWidth()));
  result.zoom_drawn = performance.now() - t;
  await new Promise((r) => setTimeout(r, 500));
  result.zoom_frames = flame().querySelectorAll('g.frame').length;
  return result;
}
"""


def chromium_version() -> str:
    try:
        return subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        return "unknown"


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("model name"))
    return {"host": platform.node(), "cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "chromium": chromium_version(), "load": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--nodes", type=int, default=50_000)
    parser.add_argument("--bundle", type=Path, default=BUNDLE, help="the panel.js to measure (default: the shipped one)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    profile = synthetic_profile(args.nodes)
    payload = json.dumps(profile)
    code, css = args.bundle.read_text(), CSS.read_text()
    pages = 2 if args.quick else 7
    samples: list[dict[str, Any]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for i in range(pages):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_content("<!doctype html><html><body></body></html>")
            page.evaluate(f"window.__cold = {str(i % 2 == 0).lower()}; window.__views = {json.dumps(VIEWS)}")
            # the profile goes over as JSON text: Playwright's own serialisation of a large object takes ~30 s
            samples.append(page.evaluate(PAGE_SCRIPT, [code, css, payload]))
            page.close()
        browser.close()

    def summary(values: list[float]) -> dict[str, float]:
        return {"median_ms": round(statistics.median(values), 1), "max_ms": round(max(values), 1), "n": len(values)}

    switch_names = sorted({k for s in samples for k in s["switch"]})
    report = {
        "nodes": args.nodes,
        "payload_bytes": len(payload),
        "bundle_bytes": len(code.encode()),
        "frames_drawn": samples[-1]["frames"],
        "first_render_sync": summary([s["sync"] for s in samples]),
        "first_render_painted": summary([s["painted"] for s in samples]),
        "all_views_built_in_idle_time": summary([s["all_built"] for s in samples]),
        "flame_cold_drawn": summary([s["cold_drawn"] for s in samples if "cold_drawn" in s]),
        "flame_cold_complete": summary([s["cold_complete"] for s in samples if "cold_complete" in s]),
        "flame_zoom_drawn": summary([s["zoom_drawn"] for s in samples]),
        "frames_drawn_zoomed": samples[-1]["zoom_frames"],
        "switch": {n: summary([s["switch"][n] for s in samples if n in s["switch"]]) for n in switch_names},
        "targets": {"first_render_ms": 500, "switch_ms": 100},
        "machine": machine(),
    }
    print(f"{args.nodes:,} tree nodes, payload {len(payload) / 1e6:.2f} MB, bundle {len(code) / 1e3:.0f} KB, "
          f"{report['frames_drawn']} frames drawn")
    print(f"first render   median {report['first_render_painted']['median_ms']} ms (sync part "
          f"{report['first_render_sync']['median_ms']} ms), max {report['first_render_painted']['max_ms']} ms   target ≤ 500 ms")
    print(f"all views built (idle time after the first render) median {report['all_views_built_in_idle_time']['median_ms']} ms")
    print(f"flame graph drawn after a cold switch: median {report['flame_cold_drawn']['median_ms']} ms, "
          f"max {report['flame_cold_drawn']['max_ms']} ms   target ≤ 100 ms; every frame drawn: median "
          f"{report['flame_cold_complete']['median_ms']} ms")
    print(f"zoom into the widest frame below the root, drawn: median {report['flame_zoom_drawn']['median_ms']} ms, "
          f"max {report['flame_zoom_drawn']['max_ms']} ms ({report['frames_drawn_zoomed']} frames drawn)")
    for name, s in report["switch"].items():
        print(f"switch → {name:<14} median {s['median_ms']} ms, max {s['max_ms']} ms (n={s['n']})   target ≤ 100 ms")
    if not args.quick and args.bundle == BUNDLE:
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = RESULTS / f"render-{platform.node() or 'machine'}.json"
        out.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
