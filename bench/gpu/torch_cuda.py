"""PyTorch on CUDA for the GPU bench: bench/training's three models plus the 4096-wide MLP.

Usage: python3 bench/gpu/torch_cuda.py MODEL WARMUP STEPS MAX_SECONDS
Prints one JSON line like the tfjs measurement: {model, backend, steps, seconds, stepsPerSecond, loss, detail}.
Exits 3 when torch has no CUDA device (the caller then reports no ratio).
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'training'))

import torch  # noqa: E402

if not torch.cuda.is_available():
    print('torch has no CUDA device', file=sys.stderr)
    sys.exit(3)

import torch_models  # noqa: E402


def main():
    name, warmup, steps, max_seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    # float32 matmuls as tfjs does them (no TF32 tensor cores), so the ratio compares like with like.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device('cuda')
    model, x, y = torch_models.job(name)
    done, seconds, loss = torch_models.measure(model.to(dev), x.to(dev), y.to(dev), warmup, steps, max_seconds)
    print(json.dumps({'model': name, 'backend': 'pytorch-cuda', 'steps': done, 'seconds': seconds, 'stepsPerSecond': done / seconds,
                      'loss': loss, 'detail': f'torch {torch.__version__}, {torch.cuda.get_device_name(0)}, fp32 (TF32 off)'}))


if __name__ == '__main__':
    main()
