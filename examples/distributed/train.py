#!/usr/bin/env python3
"""A tiny distributed PyTorch training script that saves checkpoints in Hugging Face Trainer's layout.

Run with two CPU processes (gloo backend):

    torchrun --nproc_per_node 2 train.py --output_dir runs/dist --max_steps 20 --save_steps 5
    torchrun --nproc_per_node 2 train.py --output_dir runs/dist --max_steps 40 --save_steps 5 \
        --resume_from_checkpoint latest

Each checkpoint is `<output_dir>/checkpoint-<step>/` holding
    trainer_state.json                global_step, epoch, log_history, best_model_checkpoint, best_metric
    optimizer.pt, scheduler.pt        torch.save of the optimizer's and LR scheduler's state_dict()
    rng_state_<rank>.pth              one per process: python, numpy and torch CPU RNG states
    model.safetensors                 weights (or sharded: model-0000i-of-0000n.safetensors + index,
                                      or pytorch_model.bin with --weights bin)
    training_args.json                the command-line arguments (HF writes training_args.bin)

Rank-aware writing: rank 0 writes the shared files, every rank its own RNG state, into
`tmp-checkpoint-<step>/`; after a barrier rank 0 renames it to `checkpoint-<step>/`, so a reader never
sees a half-written checkpoint under its final name. SIGINT/SIGTERM (e.g. Stop in the editor, which
signals the whole process group) makes every rank agree, at the next step, to save and exit.

`transformers` and `safetensors` are not needed: the safetensors format is written and read by hand.
"""
import argparse
import json
import math
import os
import random
import shutil
import signal
import struct
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

TRAINER_STATE = "trainer_state.json"
SAFE_WEIGHTS = "model.safetensors"
SAFE_INDEX = "model.safetensors.index.json"
BIN_WEIGHTS = "pytorch_model.bin"
FEATURES = 4
SAMPLES = 256


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--output_dir", required=True)
    p.add_argument("--max_steps", type=int, default=20)
    p.add_argument("--save_steps", type=int, default=5)
    p.add_argument("--logging_steps", type=int, default=1)
    p.add_argument("--save_total_limit", type=int, default=None)
    p.add_argument("--resume_from_checkpoint", default=None, help="a checkpoint folder, or 'latest' (newest by mtime)")
    p.add_argument("--per_device_train_batch_size", type=int, default=8)
    p.add_argument("--optim", choices=["adamw", "sgd", "rmsprop"], default="adamw")
    p.add_argument("--learning_rate", type=float, default=5e-3)
    p.add_argument("--weight_decay", type=float, default=0.01)
    p.add_argument("--adam_beta1", type=float, default=0.9)
    p.add_argument("--adam_beta2", type=float, default=0.98)
    p.add_argument("--adam_epsilon", type=float, default=1e-7)
    p.add_argument("--momentum", type=float, default=0.9, help="sgd and rmsprop")
    p.add_argument("--warmup_steps", type=int, default=0)
    p.add_argument("--weights", choices=["safetensors", "sharded", "bin"], default="safetensors")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--step_delay", type=float, default=0.0, help="seconds to sleep per step (to watch or stop it)")
    return p.parse_args(argv)


# ---------------------------------------------------------------- safetensors, by hand


def write_safetensors(path, tensors):
    """8-byte little-endian header length, JSON header, raw little-endian float32 data."""
    header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, tensor in tensors.items():
        data = tensor.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for chunk in chunks:
            f.write(chunk)


def read_safetensors(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} has dtype {entry['dtype']}; this example writes only F32")
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype="<f4").reshape(entry["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors


def save_weights(folder, state_dict, kind):
    if kind == "bin":
        torch.save(state_dict, os.path.join(folder, BIN_WEIGHTS))
    elif kind == "safetensors":
        write_safetensors(os.path.join(folder, SAFE_WEIGHTS), state_dict)
    else:  # one shard per layer, as sharded HF checkpoints do for large models
        names = list(state_dict)
        groups = [names[i : i + 2] for i in range(0, len(names), 2)]
        weight_map, total = {}, 0
        for i, group in enumerate(groups):
            shard = f"model-{i + 1:05d}-of-{len(groups):05d}.safetensors"
            write_safetensors(os.path.join(folder, shard), {n: state_dict[n] for n in group})
            for n in group:
                weight_map[n] = shard
                total += state_dict[n].numel() * 4
        with open(os.path.join(folder, SAFE_INDEX), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)


def load_weights(folder):
    if os.path.exists(os.path.join(folder, SAFE_WEIGHTS)):
        return read_safetensors(os.path.join(folder, SAFE_WEIGHTS))
    if os.path.exists(os.path.join(folder, SAFE_INDEX)):
        with open(os.path.join(folder, SAFE_INDEX)) as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
        state = {}
        for shard in shards:
            state.update(read_safetensors(os.path.join(folder, shard)))
        return state
    return torch.load(os.path.join(folder, BIN_WEIGHTS), map_location="cpu")


# ---------------------------------------------------------------- training pieces


def make_data(seed):
    """The same synthetic regression set on every rank: y = tanh(x·w) + noise."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(SAMPLES, FEATURES, generator=g)
    w = torch.randn(FEATURES, 1, generator=g)
    y = torch.tanh(x @ w) + 0.05 * torch.randn(SAMPLES, 1, generator=g)
    split = SAMPLES * 3 // 4
    return (x[:split], y[:split]), (x[split:], y[split:])


def batch_for_step(step, train, rank, world, batch_size, seed):
    """Batches follow from the step alone (like a seeded DistributedSampler): resuming needs no extra state."""
    n = train[0].shape[0]
    per_step = batch_size * world
    steps_per_epoch = n // per_step
    epoch, index = divmod(step, steps_per_epoch)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch))
    start = index * per_step + rank * batch_size
    picked = order[start : start + batch_size]
    return train[0][picked], train[1][picked], steps_per_epoch


def make_optimizer(args, params):
    if args.optim == "adamw":
        return torch.optim.AdamW(
            params, lr=args.learning_rate, betas=(args.adam_beta1, args.adam_beta2),
            eps=args.adam_epsilon, weight_decay=args.weight_decay,
        )
    if args.optim == "sgd":
        return torch.optim.SGD(params, lr=args.learning_rate, momentum=args.momentum, weight_decay=args.weight_decay)
    return torch.optim.RMSprop(params, lr=args.learning_rate, momentum=args.momentum, eps=args.adam_epsilon)


def make_scheduler(args, optimizer):
    """HF's default 'linear' schedule: warm up, then decay linearly to 0 at max_steps."""
    warmup, total = args.warmup_steps, args.max_steps

    def factor(step):
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def rng_state():
    return {"python": random.getstate(), "numpy": np.random.get_state(), "cpu": torch.random.get_rng_state()}


def restore_rng(state):
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.random.set_rng_state(state["cpu"])


def find_latest_checkpoint(output_dir):
    """Newest complete checkpoint by the modification time of its trainer_state.json (written last)."""
    if not os.path.isdir(output_dir):
        return None
    candidates = []
    for name in os.listdir(output_dir):
        state = os.path.join(output_dir, name, TRAINER_STATE)
        if name.startswith("checkpoint-") and name[len("checkpoint-"):].isdigit() and os.path.isfile(state):
            candidates.append((os.path.getmtime(state), int(name[len("checkpoint-"):]), os.path.join(output_dir, name)))
    return max(candidates)[2] if candidates else None


def save_checkpoint(args, rank, step, model, optimizer, scheduler, state):
    name = f"checkpoint-{step}"
    final = os.path.join(args.output_dir, name)
    tmp = os.path.join(args.output_dir, f"tmp-{name}")
    if rank == 0:
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
    dist.barrier()  # the temp folder exists for everyone
    torch.save(rng_state(), os.path.join(tmp, f"rng_state_{rank}.pth"))
    if rank == 0:
        save_weights(tmp, model.module.state_dict(), args.weights)
        torch.save(optimizer.state_dict(), os.path.join(tmp, "optimizer.pt"))
        torch.save(scheduler.state_dict(), os.path.join(tmp, "scheduler.pt"))
        with open(os.path.join(tmp, "training_args.json"), "w") as f:
            json.dump(vars(args), f, indent=2)
        with open(os.path.join(tmp, TRAINER_STATE), "w") as f:
            json.dump(state, f, indent=2)
    dist.barrier()  # every rank's RNG file is in place: commit
    if rank == 0:
        if os.path.exists(final):
            shutil.rmtree(final)
        os.replace(tmp, final)
        rotate_checkpoints(args, state)
        print(f"[rank0] saved {final}", flush=True)
    dist.barrier()  # nobody runs ahead of the commit


def rotate_checkpoints(args, state):
    if not args.save_total_limit:
        return
    best = os.path.basename(state["best_model_checkpoint"] or "")
    names = [n for n in os.listdir(args.output_dir) if n.startswith("checkpoint-") and n[11:].isdigit()]
    names.sort(key=lambda n: int(n[11:]))
    excess = len(names) - args.save_total_limit
    for n in names:
        if excess <= 0:
            break
        if n != best:
            shutil.rmtree(os.path.join(args.output_dir, n))
            excess -= 1


def evaluate(model, held_out):
    with torch.no_grad():
        return torch.nn.functional.mse_loss(model(held_out[0]), held_out[1]).item()


def main():
    args = parse_args()
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    random.seed(args.seed + rank)
    np.random.seed(args.seed + rank)
    torch.manual_seed(args.seed)  # same initial weights on every rank

    stop = {"requested": False}

    def request_stop(signum, _frame):
        stop["requested"] = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    module = torch.nn.Sequential(torch.nn.Linear(FEATURES, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    model = DistributedDataParallel(module)
    optimizer = make_optimizer(args, model.parameters())
    scheduler = make_scheduler(args, optimizer)
    train, held_out = make_data(args.seed)

    state = {
        "best_metric": None, "best_model_checkpoint": None, "epoch": 0.0, "eval_steps": args.save_steps,
        "global_step": 0, "is_hyper_param_search": False, "is_local_process_zero": rank == 0,
        "is_world_process_zero": rank == 0, "log_history": [], "logging_steps": args.logging_steps,
        "max_steps": args.max_steps, "num_train_epochs": 0, "save_steps": args.save_steps,
        "total_flos": 0.0, "train_batch_size": args.per_device_train_batch_size,
        "trial_name": None, "trial_params": None,
    }

    resume = args.resume_from_checkpoint
    if resume == "latest":
        resume = find_latest_checkpoint(args.output_dir)
        if resume is None and rank == 0:
            print(f"[rank0] no checkpoint in {args.output_dir}: starting fresh", flush=True)
    if resume:
        with open(os.path.join(resume, TRAINER_STATE)) as f:
            saved = json.load(f)
        module.load_state_dict(load_weights(resume))
        optimizer.load_state_dict(torch.load(os.path.join(resume, "optimizer.pt")))
        scheduler.load_state_dict(torch.load(os.path.join(resume, "scheduler.pt")))
        restore_rng(torch.load(os.path.join(resume, f"rng_state_{rank}.pth")))
        state.update({k: saved[k] for k in ("global_step", "epoch", "log_history", "best_metric", "best_model_checkpoint")})
        if rank == 0:
            print(f"[rank0] resumed from {resume} at step {state['global_step']}", flush=True)

    os.makedirs(args.output_dir, exist_ok=True)
    step = state["global_step"]
    saved_step = step if resume else None
    stopped = False
    while step < args.max_steps:
        flag = torch.tensor([1 if stop["requested"] else 0])
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)  # every rank stops at the same step
        stopped = bool(flag.item())
        if stopped:
            break
        x, y, steps_per_epoch = batch_for_step(step, train, rank, world, args.per_device_train_batch_size, args.seed)
        lr = scheduler.get_last_lr()[0]
        loss = torch.nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        step += 1
        state["global_step"] = step
        state["epoch"] = round(step / steps_per_epoch, 4)
        mean_loss = loss.detach().clone()
        dist.all_reduce(mean_loss)
        mean_loss = mean_loss.item() / world
        if step % args.logging_steps == 0:
            state["log_history"].append({"epoch": state["epoch"], "learning_rate": lr, "loss": round(mean_loss, 6), "step": step})
            if rank == 0:
                print(f"[rank0] step {step} loss {mean_loss:.6f} lr {lr:.6g}", flush=True)
        if step % args.save_steps == 0 or step == args.max_steps:
            eval_loss = evaluate(model.module, held_out)
            state["log_history"].append({"epoch": state["epoch"], "eval_loss": round(eval_loss, 6), "step": step})
            if state["best_metric"] is None or eval_loss < state["best_metric"]:
                state["best_metric"] = eval_loss
                state["best_model_checkpoint"] = os.path.join(args.output_dir, f"checkpoint-{step}")
            save_checkpoint(args, rank, step, model, optimizer, scheduler, state)
            saved_step = step
        if args.step_delay:
            time.sleep(args.step_delay)

    if stopped and saved_step != step:
        save_checkpoint(args, rank, step, model, optimizer, scheduler, state)
    if rank == 0:
        how = "stopped by signal" if stopped else "finished"
        print(f"[rank0] {how} at step {step}", flush=True)
    dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
