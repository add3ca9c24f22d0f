/**
 * Slurm's time-limit strings (sbatch --time): "minutes", "minutes:seconds", "hours:minutes:seconds",
 * "days-hours", "days-hours:minutes", "days-hours:minutes:seconds"; "UNLIMITED"/"INFINITE" for none.
 * Parsed here so a config error shows before anything is submitted, and so the signal before the
 * end can be checked against the limit.
 */

/** Seconds, null for an unlimited limit, undefined when the text is not a Slurm time. */
export function parseSlurmTime(text: string): number | null | undefined {
  const value = text.trim();
  if (/^(unlimited|infinite)$/i.test(value)) return null;
  const dayForm = /^(\d+)-(\d+)(?::(\d+))?(?::(\d+))?$/.exec(value);
  if (dayForm) {
    const [, days, hours, minutes = '0', seconds = '0'] = dayForm;
    return ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds);
  }
  const parts = value.split(':');
  if (parts.length > 3 || !parts.every((part) => /^\d+$/.test(part))) return undefined;
  const [a, b, c] = parts.map(Number) as [number, number?, number?];
  if (parts.length === 1) return a * 60;
  if (parts.length === 2) return a * 60 + b!;
  return (a * 60 + b!) * 60 + c!;
}
