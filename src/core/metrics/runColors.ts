/**
 * A stable colour slot per run: a hash of the run folder picks the slot, so a run keeps its colour
 * when the panel is reopened; runs that collide within one panel take the next free slot (in
 * sorted order, so the choice is the same every time for the same set of runs).
 */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function runColorIndices(runDirs: readonly string[], paletteSize: number): Map<string, number> {
  const result = new Map<string, number>();
  const taken = new Set<number>();
  for (const runDir of [...new Set(runDirs)].sort()) {
    let slot = fnv1a(runDir) % paletteSize;
    // Probe for a free slot; once every slot is taken, colours repeat.
    for (let tries = 0; tries < paletteSize && taken.has(slot); tries++) slot = (slot + 1) % paletteSize;
    taken.add(slot);
    if (taken.size >= paletteSize) taken.clear();
    result.set(runDir, slot);
  }
  return result;
}
