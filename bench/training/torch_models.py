"""PyTorch reference for bench/training: the same three models, shapes and Adam as models.ts
(and bench/gpu's 4096-wide MLP, which bench/gpu/torch_cuda.py runs with `measure` on CUDA).

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/training/torch_models.py MODEL WARMUP STEPS MAX_SECONDS [THREADS]
Prints one JSON line like the tfjs worker: {model, backend, steps, seconds, stepsPerSecond, loss, detail}.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1)


class Mlp(nn.Module):
    """Two hidden ReLU layers: 784-512-512-10 (models.ts MLP) or 1024-4096-4096-10 (bench/gpu MLP_4096)."""

    def __init__(self, inputs=784, width=512, classes=10):
        super().__init__()
        self.l1, self.l2, self.out = nn.Linear(inputs, width), nn.Linear(width, width), nn.Linear(width, classes)

    def forward(self, x):
        return self.out(F.relu(self.l2(F.relu(self.l1(x)))))


class CharLm(nn.Module):
    def __init__(self, vocab=65):
        super().__init__()
        self.emb = nn.Embedding(vocab, 64)
        self.lstm = nn.LSTM(64, 256, batch_first=True)
        self.out = nn.Linear(256, vocab)

    def forward(self, x):
        h, _ = self.lstm(self.emb(x))
        return self.out(h)


class Block(nn.Module):
    def __init__(self, d=128, heads=4, ff=512):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.q, self.k, self.v, self.proj = (nn.Linear(d, d) for _ in range(4))
        self.ff1, self.ff2 = nn.Linear(d, ff), nn.Linear(ff, d)

    def forward(self, h, mask):
        b, t, d = h.shape
        x = self.ln1(h)
        split = lambda y: y.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // self.heads) + mask
        mixed = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        h = h + self.proj(mixed)
        return h + self.ff2(F.gelu(self.ff1(self.ln2(h)), approximate='tanh'))


class Transformer(nn.Module):
    def __init__(self, vocab=65, seq=64, d=128):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Parameter(torch.randn(seq, d) * 0.02)
        self.blocks = nn.ModuleList([Block(d) for _ in range(2)])
        self.ln, self.out = nn.LayerNorm(d), nn.Linear(d, vocab)
        self.register_buffer('mask', torch.triu(torch.full((seq, seq), -1e9), diagonal=1))

    def forward(self, x):
        h = self.tok(x) + self.pos[: x.shape[1]]
        for block in self.blocks:
            h = block(h, self.mask)
        return self.out(self.ln(h))


def job(name):
    if name == 'mlp':
        return Mlp(), torch.rand(128, 784), torch.randint(0, 10, (128,))
    if name == 'mlp_4096':
        return Mlp(1024, 4096), torch.rand(1024, 1024), torch.randint(0, 10, (1024,))
    model = CharLm() if name == 'char_lm' else Transformer()
    return model, torch.randint(0, 65, (32, 64)), torch.randint(0, 65, (32, 64))


def measure(model, x, y, warmup, steps, max_seconds):
    """Adam steps after `warmup` (at least one), until `steps` or `max_seconds`: (steps done, seconds, last loss)."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)

    def step():
        opt.zero_grad()
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss.backward()
        opt.step()
        return loss.item()  # synchronises a GPU, as the trainer's loss read does

    for _ in range(max(1, warmup)):
        step()
    done, loss, start = 0, float('nan'), time.perf_counter()
    while done < steps and (done == 0 or time.perf_counter() - start < max_seconds):
        loss = step()
        done += 1
    return done, time.perf_counter() - start, loss


def main():
    name, warmup, steps, max_seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    torch.set_num_threads(int(sys.argv[5]) if len(sys.argv) > 5 else 2)
    model, x, y = job(name)
    done, seconds, loss = measure(model, x, y, warmup, steps, max_seconds)
    print(json.dumps({'model': name, 'backend': 'pytorch', 'steps': done, 'seconds': seconds, 'stepsPerSecond': done / seconds,
                      'loss': loss, 'detail': f'torch {torch.__version__}, {torch.get_num_threads()} threads'}))


if __name__ == '__main__':
    main()
