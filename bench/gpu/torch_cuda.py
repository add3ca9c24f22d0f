"""PyTorch on CUDA for the GPU bench: bench/training's three models plus the 4096-wide MLP.

Usage: python3 bench/gpu/torch_cuda.py MODEL WARMUP STEPS MAX_SECONDS
Prints one JSON line like the tfjs measurement: {model, backend, steps, seconds, stepsPerSecond, loss, detail}.
Exits 3 when torch has no CUDA device (the caller then reports no ratio).
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'training'))
sys.argv = sys.argv[:5]  # torch_models reads an optional thread count from argv[5]

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

if not torch.cuda.is_available():
    print('torch has no CUDA device', file=sys.stderr)
    sys.exit(3)

import torch_models  # noqa: E402


class WideMlp(nn.Module):
    """Same shape as MLP_4096 in bench/gpu/models.ts."""

    def __init__(self):
        super().__init__()
        self.l1, self.l2, self.out = nn.Linear(1024, 4096), nn.Linear(4096, 4096), nn.Linear(4096, 10)

    def forward(self, x):
        return self.out(F.relu(self.l2(F.relu(self.l1(x)))))


def main():
    name, warmup, steps, max_seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    # float32 matmuls as tfjs does them (no TF32 tensor cores), so the ratio compares like with like.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device('cuda')
    if name == 'mlp_4096':
        model, x, y = WideMlp(), torch.rand(1024, 1024), torch.randint(0, 10, (1024,))
    else:
        model, x, y = torch_models.job(name)
    model, x, y = model.to(dev), x.to(dev), y.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)

    def step():
        opt.zero_grad()
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss.backward()
        opt.step()
        return loss.item()  # synchronises, as the trainer's loss read does

    for _ in range(max(1, warmup)):
        step()
    done, loss, start = 0, float('nan'), time.perf_counter()
    while done < steps and (done == 0 or time.perf_counter() - start < max_seconds):
        loss = step()
        done += 1
    seconds = time.perf_counter() - start
    print(json.dumps({'model': name, 'backend': 'pytorch-cuda', 'steps': done, 'seconds': seconds, 'stepsPerSecond': done / seconds,
                      'loss': loss, 'detail': f'torch {torch.__version__}, {torch.cuda.get_device_name(0)}, fp32 (TF32 off)'}))


if __name__ == '__main__':
    main()
