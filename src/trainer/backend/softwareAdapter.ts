/**
 * Software WebGPU adapters: Mesa's lavapipe/llvmpipe (a normal Linux desktop without a GPU driver
 * has it), SwiftShader, Windows' WARP. They run shaders on the CPU, far slower than the wasm
 * backend, so `auto` and a bare GPU index pass them over; only `-d webgpu[:N]` uses one.
 */
import { SOFTWARE_ADAPTER_LABEL } from '../../core/protocol/backendsReport';
import type { DawnAdapterInfo } from './webgpuBackend';

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|\bwarp\b|microsoft basic render/i;

export function isSoftwareAdapter(info: DawnAdapterInfo | undefined): boolean {
  if (!info) return false;
  if (info.isFallbackAdapter === true) return true;
  return [info.architecture, info.description, info.device, info.vendor].some(
    (s) => typeof s === 'string' && SOFTWARE_NAMES.test(s),
  );
}

/** How a passed-over reason starts (selectBackend repeats those in its own reason). */
export const PASSED_OVER = 'passed over the';

/** Why `auto` (or `-d N`) did not use it, naming the way to use it anyway. */
export function passedOverReason(adapter: string, device: number | null): string {
  const explicit = device === null ? '-d webgpu' : `-d webgpu:${device}`;
  return `${PASSED_OVER} ${SOFTWARE_ADAPTER_LABEL} ${adapter}: it runs WebGPU on the CPU, slower than wasm (use ${explicit} to train on it anyway)`;
}

export function softwareAdapterWarning(adapter: string): string {
  return `WebGPU runs on a ${SOFTWARE_ADAPTER_LABEL} (${adapter}): it computes on the CPU and is usually several times slower than -d wasm`;
}
