/**
 * What `trainer backends --json` prints and the extension reads for the Train quick pick's Device
 * item: which tfjs backends work on this machine, and why the others do not.
 */
import * as z from 'zod';

/** How both ends name a GPU backend that runs on a software (CPU) adapter such as Mesa's llvmpipe. */
export const SOFTWARE_ADAPTER_LABEL = 'software (CPU) adapter';

export const backendsReportSchema = z.object({
  schema: z.literal(1),
  /** What `auto` would pick (never a backend on a software adapter), or null. */
  auto: z.string().nullable(),
  backends: z.array(
    z.object({
      name: z.string(),
      available: z.boolean(),
      reason: z.string(),
      /** Available, but on a software (CPU) adapter: `auto` passes it over. */
      software: z.boolean().optional(),
    }),
  ),
});
