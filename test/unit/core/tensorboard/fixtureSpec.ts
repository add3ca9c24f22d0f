/**
 * What the committed event files in fixtures/ hold, so the core tests run without protoc. They were
 * written by test/support/tensorboard/write_events.py; tensorboard.test.ts rewrites them from this
 * spec whenever protoc is available and checks the bytes are the same.
 *   npx tsx test/unit/core/tensorboard/fixtureSpec.ts   rewrites them
 */
import { join } from 'node:path';
import { tensorboardWriter, type EventSpec } from '../../../support/tensorboard/eventWriter';

export const FIXTURES_DIR = join(__dirname, 'fixtures');

/** A PyTorch/Hugging Face-style file: simple_value scalars. */
export const SIMPLE_FIXTURE: { name: string; events: EventSpec[] } = {
  name: 'events.out.tfevents.1700000000.fixture-host.101.0',
  events: [
    { step: 10, wall_time: 1700000001.25, simple: { 'train/loss': 2.5, 'train/learning_rate': 0.001 } },
    { step: 20, wall_time: 1700000002.5, simple: { 'train/loss': 1.75, 'train/learning_rate': 0.0005 } },
    { step: 20, wall_time: 1700000003, simple: { 'eval/loss': 1.5, 'eval/accuracy': 0 } },
    { step: 30, wall_time: 1700000004, simple: { 'train/loss': 1.25, 'train/learning_rate': 0.00025 } },
  ],
};

/** A TF 2-style file: rank-0 tensors of the scalars plugin, named in a tag's first value only. */
export const TENSOR_FIXTURE: { name: string; events: EventSpec[] } = {
  name: 'events.out.tfevents.1700000100.fixture-host.102.v2',
  events: [
    { step: 1, wall_time: 1700000101, tensor: { epoch_loss: 0.75 } },
    { step: 2, wall_time: 1700000102, tensor: { epoch_loss: 0.5 }, plugin: '' },
    { step: 3, wall_time: 1700000103, tensor: { epoch_loss: 0.375 }, plugin: '', dtype: 'double' },
    { step: 4, wall_time: 1700000104, tensor: { epoch_loss: 0.25 }, plugin: '', dtype: 'float_content' },
    { step: 4, wall_time: 1700000104, tensor: { histogram_like: 1 }, plugin: 'histograms' },
  ],
};

if (require.main === module) {
  const writer = tensorboardWriter();
  if (typeof writer === 'string') throw new Error(writer);
  for (const f of [SIMPLE_FIXTURE, TENSOR_FIXTURE])
    writer.write(join(FIXTURES_DIR, f.name), f.events, { startTime: 1700000000 });
}
