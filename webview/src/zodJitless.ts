// Must be imported before any zod schema is built: zod probes `new Function` when a schema is
// constructed, and under the panel's CSP (no unsafe-eval) that probe is reported as a violation.
import { config } from 'zod';

config({ jitless: true });
