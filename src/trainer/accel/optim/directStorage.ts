/**
 * Direct access to the float32 storage of a variable, its optimizer slots and its gradient, so an
 * optimizer can update them in one pass (fusedUpdates.ts: SIMD on the wasm heap, JavaScript on cpu)
 * instead of ~12 tf ops, each a kernel call and a new tensor. Only the `wasm` and `cpu` backends
 * keep their data where JavaScript can reach it synchronously; on every other backend (webgpu,
 * tensorflow), and whenever a check below fails, `updateDirectly` returns false and the caller
 * runs its tf ops.
 *
 * tfjs treats tensor data as immutable, so writing into it is only safe when nothing else can see
 * the bytes:
 * - A variable's data id may be shared: `tf.variable(t)` and `assign(t)` share `t`'s data while `t`
 *   lives, and Reshape, Identity and same-dtype Cast (cpu, and wasm with the fast kernels) return
 *   the same data id with a reference count. So every tensor we write must have refCount 1 (only
 *   the variable itself holds it); otherwise we fall back to the tf ops, which replace the data.
 * - wasm: each data id owns its own malloc'd block (Reshape shares the id, never the block), so a
 *   count of 1 means no other tensor sees those bytes. But the C++ side caches XNNPACK operators by
 *   tensor id, and a fully-connected operator keeps its own packed copy of the weights: after an
 *   in-place write, a matmul with the same id would use the old weights. `renewCppId` therefore gives
 *   the block a fresh C++ id and drops the old one (freeing no memory), exactly as a new tensor would.
 * - So kernels must not memoize anything by JavaScript data id (say, a transposed copy of a
 *   weight): an in-place update keeps it. By C++ id is fine on wasm, as above.
 * - cpu: a count of 1 is not enough. The cpu Slice kernel returns `subarray` views of its input
 *   under a new data id (no count), `tf.tensor(array)` keeps the caller's array, and `dataSync()`
 *   returns the live array. So a parameter, which model code reads and slices freely, always gets
 *   a fresh array (the old one stays as it was for anyone holding it); a slot, which only the
 *   optimizer reads, is written in place only when its array is one this module allocated
 *   (`ownedArrays`) and has never handed out (SlotSet.export copies on cpu).
 */
import * as tf from '@tensorflow/tfjs';
import { type WasmBackend, asWasmBackend, sizeOf } from '../kernels/wasmBackend';
import { wasmBackendMemory } from '../simd/heapModules';
import { wasmAccelerationAllowed } from '../compatibility';
import { registerHeap } from './simdUpdates';

/** One tensor's storage for one update: read the old values from `read`, write the new ones to `write` (the same array when in place). */
export interface UpdateTarget {
  read: Float32Array;
  write: Float32Array;
}

/** The update of one parameter: `grad` is read-only; `param` then `slots` in the order given to `updateDirectly`. */
export type DirectUpdate = (grad: Float32Array, param: UpdateTarget, slots: UpdateTarget[]) => void;

/**
 * Runs `update` over the storage of `param`, its `slots` and `grad` when the active backend and
 * the sharing checks allow it, and publishes the result; returns false (touching nothing) otherwise.
 */
export function updateDirectly(
  param: tf.Variable,
  slots: readonly tf.Variable[],
  grad: tf.Tensor,
  update: DirectUpdate,
): boolean {
  const backendName = tf.getBackend();
  if (backendName === 'wasm')
    return wasmAccelerationAllowed() && updateOnWasm(asWasmBackend(tf.backend()), param, slots, grad, update);
  if (backendName === 'cpu') return updateOnCpu(tf.backend() as unknown as CpuBackend, param, slots, grad, update);
  return false;
}

function isFloat32(t: tf.Tensor): boolean {
  return t.dtype === 'float32';
}

// --- wasm -----------------------------------------------------------------------------------

function updateOnWasm(
  backend: WasmBackend,
  param: tf.Variable,
  slots: readonly tf.Variable[],
  grad: tf.Tensor,
  update: DirectUpdate,
): boolean {
  const size = sizeOf(param.shape);
  const gradData = wasmEntry(backend, grad, size);
  if (!gradData) return false;
  const written = [param, ...slots].map((v) => wasmEntry(backend, v, size));
  if (!written.every((d) => d !== null && d.refCount === 1)) return false;
  // The emscripten module's memory: the SIMD loops import it to work on the heap in place.
  const memory = wasmBackendMemory(backend.wasm);
  if (memory) registerHeap(memory);
  // Views last: nothing below allocates on the heap, so it cannot grow and detach them.
  const heap = backend.wasm.HEAPU8.buffer;
  const view = (memoryOffset: number): Float32Array => new Float32Array(heap, memoryOffset, size);
  const targets = (written as WasmEntry[]).map((d) => {
    const data = view(d.memoryOffset);
    return { read: data, write: data };
  });
  update(view(gradData.memoryOffset), targets[0]!, targets.slice(1));
  for (const d of written as WasmEntry[]) renewCppId(backend, d, size);
  return true;
}

interface WasmEntry {
  id: number;
  memoryOffset: number;
  refCount: number;
}

/** The backend's record for a float32 tensor of `size` elements on this wasm backend, or null. */
function wasmEntry(backend: WasmBackend, t: tf.Tensor, size: number): WasmEntry | null {
  // `has` first: `get` on a data id of another backend would move the data here.
  if (!isFloat32(t) || sizeOf(t.shape) !== size || !backend.dataIdMap.has(t.dataId)) return null;
  const data = backend.dataIdMap.get(t.dataId);
  return data && data.dtype === 'float32' && data.memoryOffset != null ? data : null;
}

/** Same block, new C++ id: drops operators cached for the old id (XNNPACK's packed weights) without freeing memory. */
function renewCppId(backend: WasmBackend, data: WasmEntry, size: number): void {
  const id = backend.dataIdNextNumber++;
  backend.wasm.tfjs.registerTensor(id, size, data.memoryOffset);
  backend.wasm.tfjs.disposeData(data.id);
  data.id = id;
}

// --- cpu ------------------------------------------------------------------------------------

/** The members of tfjs-backend-cpu 4.22's MathBackendCPU used here (public in its JavaScript). */
interface CpuBackend {
  data: {
    has(dataId: object): boolean;
    get(dataId: object): CpuEntry | undefined;
  };
}

interface CpuEntry {
  values: unknown;
  dtype: string;
  refCount: number;
}

/** Arrays this module allocated for slots and never handed out: the only cpu storage written in place. */
const ownedArrays = new WeakSet<Float32Array>();

function updateOnCpu(
  backend: CpuBackend,
  param: tf.Variable,
  slots: readonly tf.Variable[],
  grad: tf.Tensor,
  update: DirectUpdate,
): boolean {
  const size = sizeOf(param.shape);
  const gradEntry = cpuEntry(backend, grad, size);
  const entries = [param, ...slots].map((v) => cpuEntry(backend, v, size));
  if (!gradEntry || !entries.every((e) => e !== null && e.refCount === 1)) return false;
  const targets = (entries as CpuEntry[]).map((e, i) => {
    const read = e.values as Float32Array;
    const inPlace = i > 0 && ownedArrays.has(read);
    return { read, write: inPlace ? read : new Float32Array(size) };
  });
  update(gradEntry.values as Float32Array, targets[0]!, targets.slice(1));
  targets.forEach((t, i) => {
    if (t.write === t.read) return;
    // Swap the array under the same data id; only the variable holds that id (refCount 1).
    entries[i]!.values = t.write;
    if (i > 0) ownedArrays.add(t.write);
  });
  return true;
}

function cpuEntry(backend: CpuBackend, t: tf.Tensor, size: number): CpuEntry | null {
  if (!isFloat32(t) || sizeOf(t.shape) !== size || !backend.data?.has(t.dataId)) return null;
  const entry = backend.data.get(t.dataId);
  return entry && entry.values instanceof Float32Array && entry.values.length === size ? entry : null;
}

/**
 * A copy of a variable's values that later in-place updates leave alone. wasm's `dataSync()` is
 * already a copy out of the heap; cpu's is the live array (and other backends may return a cache).
 */
export function valuesCopy(v: tf.Variable): Float32Array {
  const data = v.dataSync() as Float32Array;
  return tf.getBackend() === 'wasm' ? data : data.slice();
}
