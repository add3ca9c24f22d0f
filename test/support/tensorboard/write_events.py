#!/usr/bin/env python3
"""Writes a TensorBoard event file for the tests, framed exactly as TensorBoard frames them.

The Event/Summary classes are TensorBoard's own .proto files compiled by protoc for python3-protobuf
(the tensorboard package itself is not installable here); the framing and the masked CRC32C are
TensorBoard's record_writer.py and tensorflow_stub/pywrap_tensorflow.py, re-implemented below.

Usage: write_events.py <compiled proto dir> < spec.json
spec: {"path": str, "append": bool, "file_version": bool,
       "events": [{"step": int, "wall_time": float,
                   "simple": {tag: value}, "tensor": {tag: value}, "dtype": "float"|"double",
                   "plugin": "scalars" (metadata on tensor values; default)}]}
"""
import json
import struct
import sys

sys.path.insert(0, sys.argv[1])
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, types_pb2  # noqa: E402

# CRC-32C (Castagnoli), reflected polynomial 0x82F63B78, as in TensorBoard's pure-Python fallback.
CRC_TABLE = []
for n in range(256):
    c = n
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    CRC_TABLE.append(c)


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def u32(x):
    return x & 0xFFFFFFFF


def masked_crc32c(data):
    x = u32(crc32c(data))
    return u32(((x >> 15) | u32(x << 17)) + 0xA282EAD8)


def record(data):
    # record_writer.RecordWriter.write: uint64 length, masked crc of it, data, masked crc of data.
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", masked_crc32c(header)) + data + struct.pack("<I", masked_crc32c(data))


def scalar_event(spec):
    event = event_pb2.Event(step=spec["step"], wall_time=spec["wall_time"])
    for tag, value in spec.get("simple", {}).items():
        event.summary.value.add(tag=tag, simple_value=value)
    dtype = spec.get("dtype", "float")
    for tag, value in spec.get("tensor", {}).items():
        v = event.summary.value.add(tag=tag)
        # TensorBoard names the plugin in a tag's first value only; "plugin": "" leaves it out.
        if spec.get("plugin", "scalars"):
            v.metadata.plugin_data.plugin_name = spec.get("plugin", "scalars")
        if dtype == "double":
            v.tensor.CopyFrom(tensor_pb2.TensorProto(dtype=types_pb2.DT_DOUBLE, double_val=[value]))
        elif dtype == "float_content":
            v.tensor.CopyFrom(tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, tensor_content=struct.pack("<f", value)))
        else:
            v.tensor.CopyFrom(tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=[value]))
    return event


def main():
    spec = json.load(sys.stdin)
    with open(spec["path"], "ab" if spec.get("append") else "wb") as f:
        if spec.get("file_version", not spec.get("append")):
            first = event_pb2.Event(wall_time=spec.get("start_time", 0.0), file_version="brain.Event:2")
            f.write(record(first.SerializeToString()))
        for e in spec.get("events", []):
            f.write(record(scalar_event(e).SerializeToString()))


if __name__ == "__main__":
    main()
