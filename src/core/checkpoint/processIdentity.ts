/**
 * Who a process is, beyond its PID: PIDs are reused, and a restarted container's trainer is PID 1
 * again on the same host. Linux gives the boot (a fresh one after each reboot) and the start time
 * of a PID (in clock ticks since boot): together with the PID they name one process for ever.
 * Elsewhere both are null and only the PID is compared.
 */
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  /** /proc/sys/kernel/random/boot_id, or null where unknown. */
  bootId(): string | null;
  /** Field 22 of /proc/<pid>/stat (start time in clock ticks after boot), or null where unknown or no such process. */
  startTime(pid: number): string | null;
}

export const systemProcessIdentity: ProcessIdentity = {
  bootId: () => readOrNull('/proc/sys/kernel/random/boot_id')?.trim() || null,
  startTime: (pid) => {
    const stat = readOrNull(`/proc/${pid}/stat`);
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
    const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields?.[19] ?? null;
  },
};

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
