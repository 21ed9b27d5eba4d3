# %% [markdown]
# Pruning and distillation

**Level: advanced · about 20 minutes · CPU**

Two ways to get a smaller model from a big one:

* **pruning** removes weights from a trained model — either scattered individual weights
  (*unstructured*) or whole neurons/channels (*structured*);
* **distillation** trains a small *student* model to imitate a big *teacher*.

The question is always the same: how much accuracy do we pay for how much speed and size? We answer it
with measurements and one picture: accuracy versus model size.
# %%
%load_ext perfnb
import copy
import statistics
import time

import matplotlib.pyplot as plt
import pandas as pd
import torch
from torch import nn
from torch.nn.utils import prune

torch.set_num_threads(1)  # one thread: steadier timings on shared machines (Binder, CI); see the note below
torch.manual_seed(0)


def make_data(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 64, generator=g)
    w1 = torch.randn(64, 8, generator=torch.Generator().manual_seed(99))
    w2 = torch.randn(8, 10, generator=torch.Generator().manual_seed(98))
    return x, (torch.tanh(x @ w1 / 8) @ w2).argmax(dim=1)


x_train, y_train = make_data(8_000, seed=1)
x_test, y_test = make_data(2_000, seed=2)


def mlp(hidden):
    return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def train(model, epochs, loss_fn=None, lr=2e-3):
    loss_fn = loss_fn or (lambda logits, i: nn.functional.cross_entropy(logits, y_train[i:i + 256]))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        for i in range(0, len(x_train), 256):
            loss = loss_fn(model(x_train[i:i + 256]), i)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


def accuracy(model):
    with torch.inference_mode():
        return (model(x_test).argmax(dim=1) == y_test).float().mean().item()


def p50_ms(model, runs=40):
    batch = x_test[:512]
    with torch.inference_mode():
        for _ in range(5):
            model(batch)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            model(batch)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def nonzero_params(model):
    return sum(int((p != 0).sum()) for p in model.parameters())


results = []


def record(name, model):
    results.append({"model": name, "parameters (non-zero)": nonzero_params(model),
                    "accuracy": accuracy(model), "p50 batch 512 (ms)": p50_ms(model)})
    print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in results[-1].items()})
# %% [markdown]
**A note on threads.** PyTorch uses several CPU threads for large operations. On a shared machine
(Binder, a CI runner, a laptop busy with other work) those threads wait for each other and timings
jump around wildly. This notebook uses **one thread** so that comparisons are stable; on a dedicated
machine, try `torch.set_num_threads(os.cpu_count())` and measure again — threads are one more lever,
with its own trade-off (throughput of one process versus the others on the machine).
# %% [markdown]
## The teacher

An MLP with two hidden layers of 256 units, trained for a few epochs.
# %%
teacher = train(mlp(256), epochs=5)
record("teacher (256 hidden)", teacher)
# %% [markdown]
## Unstructured pruning

`torch.nn.utils.prune.l1_unstructured` sets the weights with the smallest magnitude to zero. Here: 80%
of each hidden layer's weights.
# %%
sparse = copy.deepcopy(teacher)
for layer in (sparse[0], sparse[2], sparse[4]):
    prune.l1_unstructured(layer, name="weight", amount=0.8)
    prune.remove(layer, "weight")  # make the zeros permanent
record("80% unstructured pruning", sparse)
# %%
%%perf -n 20 --warmup 3 -q -o dense_run
with torch.inference_mode():
    teacher(x_test[:512])
# %%
%%perf -n 20 --warmup 3 -q -o sparse_run
with torch.inference_mode():
    sparse(x_test[:512])
# %%
print(f"p50 dense {dense_run.timing.p50_s * 1000:.2f} ms, 80% zeros {sparse_run.timing.p50_s * 1000:.2f} ms")
# %% [markdown]
The weight matrices are still dense tensors **full of zeros**: the matrix multiply does the same work
whatever the values, so compare the two p50 values above — expect them to be about the same. Unstructured
sparsity pays off only with sparse storage and kernels (and usually only at high sparsity), or on
hardware built for it. It does shrink the model if you *store* it compressed.

## Structured pruning

Structured pruning removes whole neurons: rows of one weight matrix and the matching columns of the
next. The result is a genuinely smaller dense model. We keep 64 of the 256 neurons per hidden layer
with the largest weight norms, then fine-tune briefly to recover accuracy.
# %%
def keep_neurons(model, keep):
    first, second, last = model[0], model[2], model[4]
    keep1 = first.weight.norm(p=1, dim=1).topk(keep).indices.sort().values
    keep2 = second.weight.norm(p=1, dim=1).topk(keep).indices.sort().values
    small = mlp(keep)
    with torch.no_grad():
        small[0].weight.copy_(first.weight[keep1])
        small[0].bias.copy_(first.bias[keep1])
        small[2].weight.copy_(second.weight[keep2][:, keep1])
        small[2].bias.copy_(second.bias[keep2])
        small[4].weight.copy_(last.weight[:, keep2])
        small[4].bias.copy_(last.bias)
    return small.eval()


pruned = keep_neurons(teacher, 64)
record("structured: 64 of 256 kept", pruned)
pruned_tuned = train(copy.deepcopy(pruned), epochs=2, lr=1e-3)
record("structured + 2 epochs fine-tuning", pruned_tuned)
# %%
%%perf -n 20 --warmup 3 -q -o pruned_run
with torch.inference_mode():
    pruned_tuned(x_test[:512])
# %%
print(f"p50 teacher {dense_run.timing.p50_s * 1000:.2f} ms -> structured-pruned {pruned_run.timing.p50_s * 1000:.2f} ms "
      f"({dense_run.timing.p50_s / pruned_run.timing.p50_s:.1f}x)")
# %% [markdown]
Now the speed-up is real, because the matrices are smaller. Compare the accuracy right after pruning
with the accuracy after fine-tuning: removing neurons damages the model, and a little retraining
repairs much of it.

## Distillation

Instead of cutting the teacher down, train a small student from scratch. Two students with the same
architecture as the pruned model (64 hidden units):

* one learns from the labels only,
* one also learns from the teacher's *soft* predictions: the full probability distribution, softened
  with a temperature, carries more information than the single correct label
  ("this 3 looks a bit like an 8").
# %%
with torch.inference_mode():
    teacher_logits = teacher(x_train)

T, alpha = 4.0, 0.7


def distillation_loss(logits, i):
    soft_targets = nn.functional.softmax(teacher_logits[i:i + 256] / T, dim=1)
    soft = nn.functional.kl_div(nn.functional.log_softmax(logits / T, dim=1), soft_targets, reduction="batchmean") * T * T
    hard = nn.functional.cross_entropy(logits, y_train[i:i + 256])
    return alpha * soft + (1 - alpha) * hard


torch.manual_seed(1)
student_labels = train(mlp(64), epochs=5)
record("student, labels only", student_labels)
torch.manual_seed(1)
student_distilled = train(mlp(64), epochs=5, loss_fn=distillation_loss)
record("student, distilled", student_distilled)
# %% [markdown]
Compare the two students' accuracy in the lines above. Distillation often helps, but not always:
its gain depends on how much the teacher knows beyond the labels, and on the temperature and the
weight `alpha`. Both students have exactly the same size and speed — distillation changes only how
the small model is trained.

## Accuracy versus model size
# %%
table = pd.DataFrame(results).set_index("model")
display(table.round(4))
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
for name, row in table.iterrows():
    ax1.scatter(row["parameters (non-zero)"], row["accuracy"], s=60)
    ax1.annotate(name, (row["parameters (non-zero)"], row["accuracy"]), fontsize=7,
                 xytext=(4, 4), textcoords="offset points")
    ax2.scatter(row["p50 batch 512 (ms)"], row["accuracy"], s=60)
    ax2.annotate(name, (row["p50 batch 512 (ms)"], row["accuracy"]), fontsize=7,
                 xytext=(4, 4), textcoords="offset points")
ax1.set_xscale("log")
ax1.set_xlabel("non-zero parameters (log)")
ax2.set_xlabel("p50 latency, batch of 512 (ms)")
for ax in (ax1, ax2):
    ax.set_ylabel("test accuracy")
ax1.set_title("accuracy vs size")
ax2.set_title("accuracy vs latency")
plt.tight_layout()
plt.show()
# %% [markdown]
The useful models sit at the top left of each plot: accurate *and* small or fast. Note where the
unstructured-pruned model lands: fewer non-zero parameters in the left plot, but no further left
in the right plot — zeros in a dense matrix are not free.

## Self-check
# %% [quiz-helper]
# %%
quiz([
    ("You set 80% of the weights to zero with l1_unstructured. Why is inference not faster?",
     ["Pruning is broken", "Dense matrix multiplication does the same work whatever the values",
      "Zeros take longer to multiply"], 1,
     "Speed needs smaller dense matrices (structured pruning) or real sparse kernels."),
    ("What does structured pruning remove?",
     ["Individual weights anywhere", "Whole neurons or channels, making the layers smaller", "Entire layers only"], 1,
     "Removing rows/columns together shrinks the matrices, so the work shrinks too."),
    ("Why fine-tune after pruning?",
     ["To recover accuracy lost by removing neurons", "To make the model bigger again", "It is required by PyTorch"], 0,
     "The remaining weights adapt to compensate for the removed ones."),
    ("In distillation, what does the student learn from besides labels?",
     ["The teacher's weights", "The teacher's softened output probabilities", "The test set"], 1,
     "Soft targets show how similar the classes look to the teacher."),
])
# %% [markdown]
## What you can do now

* Apply unstructured pruning and explain, with a latency measurement, why it rarely speeds up dense models.
* Prune whole neurons to get a smaller dense model, and fine-tune it.
* Train a student with a distillation loss (temperature, soft and hard targets).
* Compare variants in an accuracy-versus-size and accuracy-versus-latency picture.

Next: [batching for throughput](03-batching.ipynb).
