"""PyTorch: batching, no_grad, quantization, pruning, torch.compile, DataLoader, syncs."""

from . import case

T = "import torch, torch.nn as nn\ntorch.manual_seed(0)\n"
SMALL = T + "model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)).eval(); X = torch.randn(1500, 64)"
MLP = T + "mlp = nn.Sequential(nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 128)); Z = torch.randn(64, 128)"
TORCH = ("torch",)

CASES = [
    case("batch-one-slices", SMALL, """
with torch.no_grad():
    preds = [model(X[i:i + 1]) for i in range(len(X))]
""", labels=("batching",), fires=("torch-batch-one",), needs=TORCH),
    case("batch-one-rows", SMALL, """
outs = []
with torch.inference_mode():
    for row in X:
        outs.append(model(row.unsqueeze(0)))
""", labels=("batching",), fires=("torch-batch-one",), needs=TORCH),
    case("batched", SMALL + "; Xb = torch.randn(200_000, 64)", """
with torch.no_grad():
    preds = model(Xb)
""", near_miss=("torch-batch-one", "torch-no-grad"), needs=TORCH),
    case("grad-left-on", MLP, """
for _ in range(300):
    out = mlp(Z)
""", labels=("memory",), fires=("torch-no-grad",), needs=TORCH),
    case("training-step", MLP + "; opt = torch.optim.SGD(mlp.parameters(), lr=0.01)", """
for _ in range(150):
    loss = mlp(Z).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
""", near_miss=("torch-no-grad", "torch-quantize"), needs=TORCH),
    case("linear-heavy-cpu", T + "big_mlp = nn.Sequential(nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 512)).eval(); W = torch.randn(16, 512)", """
with torch.inference_mode():
    for _ in range(150):
        y = big_mlp(W)
""", labels=("quantization",), fires=("torch-quantize",), near_miss=("torch-prune",), needs=TORCH),
    case("conv-heavy-cpu", T + "cnn = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3)).eval(); img = torch.randn(2, 3, 32, 32)", """
with torch.inference_mode():
    for _ in range(40):
        fm = cnn(img)
""", near_miss=("torch-quantize", "torch-compile"), needs=TORCH),
    case("large-model", T + "huge = nn.Sequential(nn.Linear(2048, 3072), nn.ReLU(), nn.Linear(3072, 2048)).eval(); H = torch.randn(2, 2048)", """
with torch.inference_mode():
    for _ in range(12):
        h = huge(H)
""", labels=("quantization", "pruning"), fires=("torch-prune", "torch-quantize"), needs=TORCH),
    case("many-small-ops", T + "tiny = nn.Sequential(*[nn.Sequential(nn.Linear(16, 16), nn.ReLU()) for _ in range(12)]).eval(); t_in = torch.randn(4, 16)", """
with torch.inference_mode():
    for _ in range(300):
        r = tiny(t_in)
""", labels=("compilation",), fires=("torch-compile",), needs=TORCH),
    case("slow-loader", T + """import time
from torch.utils.data import DataLoader, Dataset
class SlowFiles(Dataset):
    def __len__(self):
        return 64
    def __getitem__(self, i):
        time.sleep(0.003)
        return torch.full((32,), float(i))
loader = DataLoader(SlowFiles(), batch_size=16)
head = nn.Linear(32, 4).eval()
""", """
with torch.inference_mode():
    for xb in loader:
        yb = head(xb)
""", labels=("data-loading",), fires=("torch-dataloader",), needs=TORCH),
    case("fast-loader", T + """from torch.utils.data import DataLoader, TensorDataset
fast_loader = DataLoader(TensorDataset(torch.randn(1024, 128)), batch_size=256)
wide = nn.Sequential(nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 128)).eval()
""", """
with torch.inference_mode():
    for (xb,) in fast_loader:
        for _ in range(40):
            yb = wide(xb)
""", near_miss=("torch-dataloader",), needs=TORCH),
    case("item-on-cpu", MLP, """
with torch.inference_mode():
    vals = []
    for k in range(300):
        vals.append((Z[k % 64] @ Z.T).sum().item())
""", near_miss=("torch-gpu-sync", "torch-mixed-precision"), needs=TORCH),
]
