/**
 * The contract between the extension host and its reader worker threads
 * (src/extension/reading): the host asks for one read by name, the worker answers with the value,
 * or with the error the reader threw (its message and errno code, so callers can still tell a
 * missing file from a broken one). Both ends validate what they receive with these schemas.
 */
import * as z from 'zod';
import {
  configFactsSchema,
  configFileArgsSchema,
  configProblemsSchema,
  launchConfigArgsSchema,
  launchConfigSchema,
} from './configReads';

/** The reads a worker runs: the names of the functions the facade in src/extension/reading exports. */
export const READER_OPS = [
  'listCheckpoints',
  'readRunRecord',
  'readRunMetrics',
  'readRunOverview',
  'warmRunMetrics',
  'readAppendedMetricsDelta',
  'readTensorBoardScalars',
  'readTrainerState',
  'listHfCheckpoints',
  'isHfOutputDir',
  'isHfCheckpointFolder',
  'inspectHfCheckpoint',
  'readSafetensorsHeader',
  'loadCheckpointDetails',
  'nativeTrainerSummary',
  'configFacts',
  'configProblems',
  'readLaunchConfig',
  'inspectCheckpointText',
  'readRunDetailsBatch',
] as const;

export type ReaderOp = (typeof READER_OPS)[number];

/**
 * Reads whose arguments the worker and whose answers the host check in full (the others pass
 * their plain data through as the readers return it). A request that fails its schema is answered
 * with a ProtocolError; an answer that fails is refused like any broken reply.
 */
export const READER_OP_SCHEMAS: Partial<Record<ReaderOp, { args: z.ZodType; result: z.ZodType }>> = {
  configFacts: { args: configFileArgsSchema, result: configFactsSchema },
  configProblems: { args: configFileArgsSchema, result: configProblemsSchema },
  readLaunchConfig: { args: launchConfigArgsSchema, result: launchConfigSchema },
  inspectCheckpointText: { args: z.tuple([z.string()]), result: z.string() },
};

export const readerRequestSchema = z.object({
  type: z.literal('read'),
  id: z.number().int().nonnegative(),
  op: z.enum(READER_OPS),
  /** The reader's arguments, structured-cloned as they are. */
  args: z.array(z.unknown()),
});
export type ReaderRequest = z.infer<typeof readerRequestSchema>;

export const readerFailureSchema = z.object({
  name: z.string(),
  message: z.string(),
  /** errno code (ENOENT, EMFILE ...) when the reader's error had one. */
  code: z.string().optional(),
});
export type ReaderFailure = z.infer<typeof readerFailureSchema>;

export const readerReplySchema = z.discriminatedUnion('type', [
  /** Sent once when the worker has loaded its readers: a read's time budget starts when it is handed to a ready worker. */
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('result'), id: z.number().int().nonnegative(), value: z.unknown() }),
  z.object({ type: z.literal('error'), id: z.number().int().nonnegative(), error: readerFailureSchema }),
]);
export type ReaderReply = z.infer<typeof readerReplySchema>;
