/**
 * A Hugging Face run's TensorBoard log (runs/<session>/events.out.tfevents.*) reaches the loss
 * curves: its tags are metrics of the snapshot, records appended later arrive when the store's
 * watcher reports the file changed, and a corrupt file is refused with its reason, not thrown.
 */
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunCurves } from '../../../../src/extension/lossCurves/runCurves';
import { emptyReader } from '../../../support/runReaders';
import { tensorboardWriter } from '../../../support/tensorboard/eventWriter';
import { FIXTURES_DIR, SIMPLE_FIXTURE } from '../../core/tensorboard/fixtureSpec';

const store = { get: () => undefined, refresh: async () => undefined };

describe('RunCurves with TensorBoard event files', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  const logged: string[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'curves-tb-'));
    const session = join(dir, 'runs', 'Dec07_10-00-00_host');
    mkdirSync(session, { recursive: true });
    file = join(session, SIMPLE_FIXTURE.name);
    copyFileSync(join(FIXTURES_DIR, SIMPLE_FIXTURE.name), file);
    logged.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const curves = (): RunCurves => new RunCurves(dir, 'hf', store, emptyReader(), (m) => logged.push(m));

  it("shows the tags of a run's event files in its snapshot, and reads appended records when told", async function () {
    const feed = curves();
    await feed.load();
    const snapshot = feed.snapshot(1000, 'eval/loss');
    assert.deepEqual(snapshot.scalars, { 'eval/loss': { steps: [20], values: [1.5], time: [1700000003] } });
    assert.deepEqual(snapshot.metricNames?.sort(), ['eval/accuracy', 'eval/loss', 'train/learning_rate', 'train/loss']);
    const others = feed.otherMetrics(1000, 'eval/loss');
    assert.deepEqual(Object.keys(others).sort(), ['eval/accuracy', 'train/learning_rate', 'train/loss']);
    assert.deepEqual(others['train/loss']?.steps, [10, 20, 30]);
    assert.deepEqual(await feed.tensorBoardChanged(), [], 'nothing new yet');

    const writer = tensorboardWriter();
    if (typeof writer === 'string') return this.skip();
    writer.write(file, [{ step: 40, wall_time: 1700000010, simple: { 'eval/loss': 1.25 } }], { append: true });
    assert.deepEqual(await feed.tensorBoardChanged(), [
      { kind: 'scalars', points: [{ name: 'eval/loss', step: 40, value: 1.25, time: 1700000010 }] },
    ]);
    assert.deepEqual(feed.snapshot(1000, 'eval/loss').scalars?.['eval/loss']?.steps, [20, 40]);
  });

  it('refuses a file whose record fails its CRC with "unreadable: <reason>" and keeps what came before', async () => {
    // A record header whose length does not match its CRC: nothing after it is trusted.
    appendFileSync(file, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4, 0, 0, 0, 0]));
    const feed = curves();
    await feed.load();
    assert.deepEqual(feed.otherMetrics(1000, 'loss')['train/loss']?.steps, [10, 20, 30]);
    assert.match(logged.join('\n'), /unreadable: record at byte \d+: its length fails its CRC/);
    assert.deepEqual(await feed.tensorBoardChanged(), [], 'a corrupt file is not read again');
  });
});
