/**
 * Scalars out of TensorBoard Event protobufs (decoded by protobufjs from TensorBoard's own .proto
 * files, see eventProtos.ts): `simple_value` (tf.compat.v1 summaries, PyTorch's SummaryWriter,
 * Hugging Face's Trainer) and rank-0 float tensors of the `scalars` plugin (tf.summary.scalar in
 * TF 2). As in TensorBoard, a tag's plugin is named only in its first value's metadata, so the
 * decoder remembers it per tag.
 */
import protobuf from 'protobufjs';
import { TENSORBOARD_PROTOS } from './eventProtos';

export interface ScalarPoint {
  tag: string;
  step: number;
  /** Seconds since the epoch, as the writer recorded it. */
  wallTime: number;
  value: number;
}

const eventType = protobuf.Root.fromJSON(TENSORBOARD_PROTOS).lookupType('tensorboard.Event');

/** tensorboard.DataType values read as scalars. */
const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_HALF = 19;

interface TensorObject {
  dtype?: number;
  tensor_shape?: { dim?: Array<{ size?: number }>; unknown_rank?: boolean };
  tensor_content?: Uint8Array;
  float_val?: number[];
  double_val?: number[];
  half_val?: number[];
}

interface ValueObject {
  tag?: string;
  metadata?: { plugin_data?: { plugin_name?: string } };
  simple_value?: number;
  tensor?: TensorObject;
}

interface EventObject {
  wall_time?: number;
  step?: number;
  summary?: { value?: ValueObject[] };
}

/** IEEE 754 half precision (TensorFlow keeps DT_HALF in half_val as uint16 bit patterns). */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction === 0 ? sign * Infinity : Number.NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** The single value of a rank-0 (or all-ones shape) float tensor, or null for anything else. */
export function tensorScalar(tensor: TensorObject): number | null {
  const dims = tensor.tensor_shape?.dim ?? [];
  if (tensor.tensor_shape?.unknown_rank || dims.some((d) => Number(d.size ?? 0) !== 1)) return null;
  const content = tensor.tensor_content;
  const bytes =
    content && content.length > 0 ? Buffer.from(content.buffer, content.byteOffset, content.byteLength) : null;
  switch (tensor.dtype) {
    case DT_FLOAT:
      return bytes ? (bytes.length >= 4 ? bytes.readFloatLE(0) : null) : (tensor.float_val?.[0] ?? null);
    case DT_DOUBLE:
      return bytes ? (bytes.length >= 8 ? bytes.readDoubleLE(0) : null) : (tensor.double_val?.[0] ?? null);
    case DT_HALF:
      return bytes
        ? bytes.length >= 2
          ? halfToNumber(bytes.readUInt16LE(0))
          : null
        : tensor.half_val?.[0] !== undefined
          ? halfToNumber(tensor.half_val[0])
          : null;
    default:
      return null;
  }
}

/** Decodes the Event records of one event file, in order. */
export class EventScalarDecoder {
  private readonly pluginByTag: Map<string, string>;

  /** `plugins`: what an earlier decoder of the same file learned (see plugins()). */
  constructor(plugins: ReadonlyArray<[tag: string, plugin: string]> = []) {
    this.pluginByTag = new Map(plugins);
  }

  /** The plugin of each tag seen so far, to carry on decoding the file later (in another thread). */
  plugins(): Array<[tag: string, plugin: string]> {
    return [...this.pluginByTag];
  }

  /** The scalars one serialized Event holds; throws when the bytes are not an Event. */
  decode(data: Uint8Array): ScalarPoint[] {
    const event = eventType.toObject(eventType.decode(data), {
      longs: Number,
      enums: Number,
      defaults: false,
    }) as EventObject;
    const values = event.summary?.value;
    if (!values || values.length === 0) return [];
    const step = event.step ?? 0;
    if (!Number.isSafeInteger(step) || step < 0) return [];
    const wallTime = event.wall_time ?? Number.NaN;
    const points: ScalarPoint[] = [];
    for (const v of values) {
      const tag = v.tag ?? '';
      if (tag === '') continue;
      const plugin = v.metadata?.plugin_data?.plugin_name;
      if (plugin) this.pluginByTag.set(tag, plugin);
      let value: number | null = null;
      if (v.simple_value !== undefined) value = v.simple_value;
      else if (v.tensor && this.pluginByTag.get(tag) === 'scalars') value = tensorScalar(v.tensor);
      if (value !== null) points.push({ tag, step, wallTime, value });
    }
    return points;
  }
}
