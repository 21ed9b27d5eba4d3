# %% [markdown]
# Write your own advisor rule

**Level: expert · about 20 minutes · CPU**

After every `%%perf`, perfnb's *advisor* reads the profile together with the source code and proposes
fixes — "test membership in a set", "cache this function", "batch the forward calls" — each with the
**evidence from this run** (which line, what share of the time) and a link to a tutorial. The advisor
is a list of small rules. In this notebook you will

1. read what the built-in rules say about a slow cell, and what a suggestion contains,
2. write a rule of your own for a pattern your team keeps hitting,
3. test it: it must speak when the pattern is expensive, and stay silent when it is not,
4. verify that the fix it proposes is really faster.
# %%
%load_ext perfnb
import ast
import dataclasses
import random
from datetime import datetime, timedelta

from perfnb.advice import all_rules
from perfnb.advice.context import Context
from perfnb.advice.rule import CATEGORIES, LEVELS, Rule

print(f"{len(all_rules())} built-in rules, for example:")
for rule in all_rules()[:6]:
    print(f"  {rule.id:28} {rule.category:16} {rule.level:13} -> {rule.tutorial}")
# %% [markdown]
## What the advisor says

A small job with a classic problem in it: a membership test on a list inside a loop.
# %%
random.seed(0)
customers = [f"C{i:05d}" for i in range(3_000)]
events = [random.choice(customers) for _ in range(20_000)]
vip_customers = customers[:1_500]


def count_known(events, known):
    hits = 0
    for customer in events:
        if customer in known:
            hits += 1
    return hits
# %%
%%perf -o slow_cell
hits = count_known(events, vip_customers)
# %%
for s in slow_cell.suggestions:
    print(f"[{s.rule}] {s.title}\n  evidence: {s.evidence}\n  fix: {s.fix}\n  tutorial: {s.tutorial}\n")
if not slow_cell.suggestions:
    print("no suggestion for this run")
# %% [markdown]
Every suggestion is a `Suggestion` record: which rule, a category and level from fixed lists, a title,
the evidence sentence, the lines concerned, the fix, the tutorial link, the expected speed-up class and
the seconds it could save (used to rank suggestions):
# %%
print([f.name for f in dataclasses.fields(slow_cell.suggestions[0])] if slow_cell.suggestions else "no suggestion")
print("categories:", ", ".join(CATEGORIES))
print("levels:", ", ".join(LEVELS))
# %% [markdown]
## Anatomy of a rule

A rule is a subclass of `perfnb.advice.rule.Rule` with a few class attributes and one method,
`check(ctx)`, which yields suggestions. The `Context` gives it what it needs:

* `ctx.scopes` — the cell and every function the run reached, each with its parsed source
  (`scope.node`, an `ast` tree, in the line numbers you see in the editor), its `file`
  (`"In [5]"` or a path) and `scope.where(line)` to name a place for the user;
* `ctx.span_time(scope, first, last)` — the profiled time of a range of lines in that scope;
* `ctx.share(seconds)` — that time as a fraction of the cell;
* `ctx.ns` — the user's namespace (to look at the actual objects, e.g. the size of a list).

The base class adds `self.worth(ctx, seconds)` (is it at least 5% of the cell? below that, advice is
noise) and `self.suggest(...)`, which fills in the identity fields and the expected saving.

## A rule of your own

Our team parses timestamps like `"2026-01-31 12:34:56"` with `datetime.strptime` inside loops.
`strptime` is general and slow (it interprets the format string with regular expressions);
`datetime.fromisoformat` parses ISO 8601 in C. The rule: **a `strptime` call inside a loop that takes a
real share of the cell**.
# %%
LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class StrptimeInLoop(Rule):
    id = "strptime-in-loop"
    category = "algorithm"
    level = "intermediate"
    tutorial = "tutorials/expert/02-advisor-rules.ipynb#a-rule-of-your-own"
    speedup = (3.0, 30.0)  # what the fix gives on the lines concerned (measured below)

    def check(self, ctx):
        for scope in ctx.scopes:
            reported = set()
            for loop in (node for node in ast.walk(scope.node) if isinstance(node, LOOPS)):
                for call in (node for node in ast.walk(loop) if isinstance(node, ast.Call)):
                    if not (isinstance(call.func, ast.Attribute) and call.func.attr == "strptime"):
                        continue
                    if call.lineno in reported:
                        continue
                    seconds = ctx.span_time(scope, call.lineno, call.lineno)
                    if not self.worth(ctx, seconds):
                        continue
                    reported.add(call.lineno)
                    yield self.suggest(
                        ctx,
                        title="Parse ISO timestamps with datetime.fromisoformat, not strptime",
                        evidence=(f"`strptime` at {scope.where(call.lineno)} runs inside a loop and takes "
                                  f"{ctx.share(seconds):.0%} of the cell; it re-interprets its format on every call."),
                        lines=[call.lineno],
                        fix="For ISO 8601 text use `datetime.fromisoformat(text)`; for whole columns, "
                            "`pandas.to_datetime(column, format=...)` parses in C.",
                        seconds=seconds,
                        file=scope.file,
                    )
# %% [markdown]
## Run it on a profile

A rule runs on a `Context` built from a profile (and the kernel, which knows the cells' sources).
The profile below comes from a log-parsing function:
# %%
start = datetime(2026, 1, 1)
log = [(start + timedelta(seconds=17 * i)).strftime("%Y-%m-%d %H:%M:%S") + f" user{i % 97} login"
       for i in range(20_000)]


def hours_of_activity(lines):
    per_hour = {}
    for line in lines:
        stamp = datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S")
        per_hour[stamp.hour] = per_hour.get(stamp.hour, 0) + 1
    return per_hour
# %%
%%perf -o parse_profile
per_hour = hours_of_activity(log)
# %%
def run_rule(rule, profile):
    return list(rule.check(Context(profile, get_ipython())))


found = run_rule(StrptimeInLoop(), parse_profile)
for s in found:
    print(f"[{s.rule}] {s.title}\n  evidence: {s.evidence}\n  fix: {s.fix}\n  expected: {s.speedup}")
# %% [markdown]
## Test the rule

A rule that speaks too often is worse than no rule: people stop reading the advice. Test both sides —
it must find the pattern when it is expensive, and stay silent when the same code is cheap (here: a
loop over only 20 lines, where other work dominates the cell):
# %%
def parse_few_and_compute(lines):
    stamps = [datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S") for line in lines[:20]]
    total = sum(i * i for i in range(300_000))  # the real cost of this cell
    return stamps, total
# %%
%%perf -q -o cheap_profile
_ = parse_few_and_compute(log)
# %%
assert any(s.rule == "strptime-in-loop" for s in found), "the rule should fire on hours_of_activity"
assert not run_rule(StrptimeInLoop(), cheap_profile), "the rule should stay silent when strptime is cheap"
print("both tests pass: the rule fires on the expensive loop and stays silent on the cheap one")
# %% [markdown]
In a project, these two checks become a pytest test using `perfnb.profile()` (the context manager) to
produce the profiles, plus one test per false positive you find later.

## Verify the fix

The rule promises a speed-up; measure it. Same input, the fix applied, results compared:
# %%
def hours_of_activity_fast(lines):
    per_hour = {}
    for line in lines:
        stamp = datetime.fromisoformat(line[:19])
        per_hour[stamp.hour] = per_hour.get(stamp.hour, 0) + 1
    return per_hour
# %%
%%perf -n 5 -q -o before
_ = hours_of_activity(log)
# %%
%%perf -n 5 -q -o after
_ = hours_of_activity_fast(log)
# %%
assert hours_of_activity_fast(log) == per_hour
print(f"p50 {before.timing.p50_s * 1000:.1f} ms -> {after.timing.p50_s * 1000:.1f} ms "
      f"({before.timing.p50_s / after.timing.p50_s:.1f}x on the whole cell)")
# %% [markdown]
If the measured factor falls outside the rule's `speedup` range across the machines you care about,
fix the range — the advisor shows it to users as the expected gain. (perfnb's own `%%perf --verify`
does this for the built-in rules that can be checked automatically: it re-runs the candidate fix on
copies and withdraws suggestions that are not faster.)

## Using the rule day to day

perfnb has no plugin entry point for rules yet, so run yours next to the built-in ones with a helper:
# %%
MY_RULES = [StrptimeInLoop()]


def my_advice(profile):
    """The built-in suggestions of a profile plus the team's own rules."""
    extra = [s for rule in MY_RULES for s in rule.check(Context(profile, get_ipython()))]
    return sorted(profile.suggestions + extra, key=lambda s: s.saving_s, reverse=True)


for s in my_advice(parse_profile):
    print(f"{s.saving_s * 1000:8.1f} ms could be saved: {s.title}")
# %% [markdown]
Good rules share a few properties, which the built-in ones follow too:

* **evidence from this run** — the line, its share of the time, sizes from the namespace; never a
  generic lecture;
* **a threshold** — silent below 5% of the cell;
* **a concrete fix** that the user can paste, and a link to a place that explains it;
* **tests for silence** as well as for detection.

## Self-check
# %% [quiz-helper]
# %%
quiz([
    ("Why does a rule check `self.worth(ctx, seconds)` before suggesting anything?",
     ["To save memory", "Advice about code that takes under 5% of the cell is noise", "It is needed for the tutorial link"], 1,
     "Fixing a line that takes 1% of the time cannot speed the cell up by more than 1%."),
    ("Where does a rule get the line numbers and the time of a line?",
     ["From scope.node (the parsed source) and ctx.span_time", "From the notebook file on disk", "By re-running the cell"], 0,
     "The Context joins the parsed source of each scope with the profiled time per line."),
    ("Which test matters as much as 'the rule finds the pattern'?",
     ["The rule runs fast", "The rule stays silent when the pattern is cheap", "The rule has a long title"], 1,
     "False positives teach users to ignore the advisor."),
    ("The rule claims 3-30x, you measured 1.2x. What do you do?",
     ["Keep the claim", "Correct the speedup range (or the rule's condition) to match measurements", "Remove the test"], 1,
     "The expected gain is shown to users; it must match what they will get."),
])
# %% [markdown]
## What you can do now

* Read a suggestion's evidence, fix and tutorial, and know where each field comes from.
* Write a `Rule` subclass that walks the source `ast` of each scope and weighs lines with the profile.
* Test a rule for detection and for silence, and verify its fix with `-n` measurements.
* Run your team's rules alongside perfnb's built-in advisor.

Next: [how profilers work](03-how-profilers-work.ipynb).
