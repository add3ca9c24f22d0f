/**
 * A Hugging Face run's TensorBoard log (runs/<session>/events.out.tfevents.*) reaches the loss-curves
 * feed: its tags are metrics of the snapshot, and records appended while it is followed arrive live.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunFeed, type FeedChange } from '../../../../src/extension/lossCurves/runFeed';
import { tensorboardWriter } from '../../../support/tensorboard/eventWriter';
import { FIXTURES_DIR, SIMPLE_FIXTURE } from '../../core/tensorboard/fixtureSpec';

describe('RunFeed with TensorBoard event files', function () {
  this.timeout(60_000);
  let dir: string;
  let feed: RunFeed | undefined;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'feed-tb-'))));
  afterEach(() => {
    feed?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the tags of a run\'s event files in its snapshot, and follows appended records', async function () {
    const session = join(dir, 'runs', 'Dec07_10-00-00_host');
    mkdirSync(session, { recursive: true });
    const file = join(session, SIMPLE_FIXTURE.name);
    copyFileSync(join(FIXTURES_DIR, SIMPLE_FIXTURE.name), file);
    feed = new RunFeed(dir, 'hf', async () => [], () => {});
    await feed.load();
    const snapshot = feed.snapshot(1000);
    assert.deepEqual(snapshot.scalars?.['eval/loss'], { steps: [20], values: [1.5], time: [1700000003] });
    assert.deepEqual(snapshot.scalars?.['train/loss']?.steps, [10, 20, 30]);

    const writer = tensorboardWriter();
    if (typeof writer === 'string') {
      console.log(`      skipped the live part: ${writer}`);
      return;
    }
    const changes: FeedChange[] = [];
    feed.follow((c) => changes.push(...c));
    writer.write(file, [{ step: 40, wall_time: 1700000010, simple: { 'eval/loss': 1.25 } }], { append: true });
    const deadline = Date.now() + 30_000;
    while (!changes.some((c) => c.kind === 'scalars') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(changes.filter((c) => c.kind === 'scalars'), [{ kind: 'scalars', points: [{ name: 'eval/loss', step: 40, value: 1.25, time: 1700000010 }] }]);
    assert.deepEqual(feed.snapshot(1000).scalars?.['eval/loss']?.steps, [20, 40]);
  });
});
