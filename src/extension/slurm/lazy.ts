/** The Slurm launcher, loaded on the first Train rather than at activation (as external/lazy.ts does). */
type Slurm = typeof import('./index');
export const slurm = (): Slurm => require('./index') as Slurm;
