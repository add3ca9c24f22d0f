/**
 * The TensorBoard event-file reader: TFRecord framing with both CRCs checked, Event/Summary scalars
 * (simple_value and scalars-plugin tensors), bounded and incremental reading. The committed
 * fixtures run everywhere; the tests that write files need protoc and python3-protobuf and skip
 * with the reason when those cannot be installed.
 */
import assert from 'node:assert/strict';
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EventFileReader,
  findEventFiles,
  maskedCrc32c,
  readTfRecords,
  TensorBoardLogs,
} from '../../../../src/core/tensorboard';
import { tagPrefix } from '../../../../src/core/tensorboard/eventFiles';
import { tensorboardWriter, type TensorBoardWriter } from '../../../support/tensorboard/eventWriter';
import { FIXTURES_DIR, SIMPLE_FIXTURE, TENSOR_FIXTURE } from './fixtureSpec';

const simplePath = join(FIXTURES_DIR, SIMPLE_FIXTURE.name);
const tensorPath = join(FIXTURES_DIR, TENSOR_FIXTURE.name);
const f32 = (v: number) => Math.fround(v);

/** A TFRecord framed as TensorBoard frames it, for hand-made records. */
function frame(data: Buffer): Buffer {
  const header = Buffer.alloc(12);
  header.writeBigUInt64LE(BigInt(data.length));
  header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
  const footer = Buffer.alloc(4);
  footer.writeUInt32LE(maskedCrc32c(data));
  return Buffer.concat([header, data, footer]);
}

/** Byte offsets of each record in a file (walking the lengths). */
function recordOffsets(bytes: Buffer): number[] {
  const offsets: number[] = [];
  for (let at = 0; at < bytes.length; at += 16 + Number(bytes.readBigUInt64LE(at))) offsets.push(at);
  return offsets;
}

describe('TensorBoard event files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tb-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('committed fixtures (no protoc needed)', () => {
    it("masked CRC32C is TensorFlow's (the fixture written by Python passes it)", () => {
      // crc32c("123456789") = 0xE3069283, the Castagnoli check value; masked as TensorFlow masks it.
      const crc = 0xe3069283;
      assert.equal(maskedCrc32c(Buffer.from('123456789')), ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0);
    });

    it('reads simple_value scalars with their step and wall time', async () => {
      const problems: string[] = [];
      const points = await new EventFileReader(simplePath, '').readNew(problems);
      assert.deepEqual(problems, []);
      const expected = SIMPLE_FIXTURE.events.flatMap((e) =>
        Object.entries(e.simple ?? {}).map(([tag, value]) => ({
          tag,
          step: e.step,
          wallTime: e.wall_time,
          value: f32(value),
        })),
      );
      assert.deepEqual(points, expected);
    });

    it('reads scalars-plugin tensors (float_val, double_val, tensor_content) and skips other plugins', async () => {
      const points = await new EventFileReader(tensorPath, 'validation/').readNew([]);
      assert.deepEqual(
        points.map((p) => [p.tag, p.step, p.value]),
        [
          ['validation/epoch_loss', 1, 0.75],
          ['validation/epoch_loss', 2, 0.5],
          ['validation/epoch_loss', 3, 0.375],
          ['validation/epoch_loss', 4, 0.25],
        ],
      );
    });

    it('a corrupt data CRC stops the file at that record with a reason; the records before it are kept', async () => {
      const bytes = readFileSync(simplePath);
      const third = recordOffsets(bytes)[3]!;
      bytes[third + 14] = bytes[third + 14]! ^ 0xff;
      const path = join(dir, 'events.out.tfevents.1.h');
      writeFileSync(path, bytes);
      const problems: string[] = [];
      const reader = new EventFileReader(path, '');
      const points = await reader.readNew(problems);
      assert.deepEqual(
        points.map((p) => p.step),
        [10, 10, 20, 20],
      );
      assert.match(problems.join('\n'), new RegExp(`record at byte ${third}: its data fails its CRC`));
      assert.match(reader.corrupt ?? '', /corrupt from here on/);
      assert.deepEqual(await reader.readNew([]), [], 'a corrupt file is not read again');
    });

    it('a corrupt length CRC stops at that record too', async () => {
      const bytes = readFileSync(simplePath);
      const second = recordOffsets(bytes)[2]!;
      bytes[second + 9] = bytes[second + 9]! ^ 0x01;
      const path = join(dir, 'events.out.tfevents.1.h');
      writeFileSync(path, bytes);
      const read = await readTfRecords(path, 0, () => {});
      assert.equal(read.offset, second);
      assert.match(read.corrupt ?? '', new RegExp(`record at byte ${second}: its length fails its CRC`));
    });

    it('a truncated last record is still being written: read up to it, then on from it once complete', async () => {
      const bytes = readFileSync(simplePath);
      const last = recordOffsets(bytes).at(-1)!;
      const path = join(dir, 'events.out.tfevents.1.h');
      for (const cut of [last + 5, last + 12, bytes.length - 1]) {
        writeFileSync(path, bytes.subarray(0, cut));
        const reader = new EventFileReader(path, '');
        const problems: string[] = [];
        assert.deepEqual(
          (await reader.readNew(problems)).map((p) => p.step),
          [10, 10, 20, 20, 20, 20],
          `cut at ${cut}`,
        );
        assert.deepEqual(problems, []);
        appendFileSync(path, bytes.subarray(cut));
        assert.deepEqual(
          (await reader.readNew(problems)).map((p) => [p.tag, p.step]),
          [
            ['train/loss', 30],
            ['train/learning_rate', 30],
          ],
        );
        assert.equal(reader.corrupt, null);
      }
    });

    it('a record longer than the limit is skipped unread (its length passed its CRC); later records are read', async () => {
      const path = join(dir, 'events.out.tfevents.1.h');
      writeFileSync(path, Buffer.concat([frame(Buffer.alloc(5000, 7)), readFileSync(simplePath)]));
      const seen: number[] = [];
      const read = await readTfRecords(path, 0, (data) => seen.push(data.length), { maxRecordBytes: 4096 });
      assert.equal(read.corrupt, null);
      assert.match(read.skipped.join(), /record at byte 0 is 5000 bytes \(limit 4096\); skipped unread/);
      assert.equal(seen.length, 5);
    });

    it('a length no file can hold (its CRC passing) makes the file corrupt from there, not a wait for ever', async () => {
      const header = Buffer.alloc(12);
      header.writeBigUInt64LE(1n << 62n);
      header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
      const bytes = readFileSync(simplePath);
      const second = recordOffsets(bytes)[2]!;
      const path = join(dir, 'events.out.tfevents.1.h');
      writeFileSync(path, Buffer.concat([bytes.subarray(0, second), header, bytes.subarray(second)]));
      const problems: string[] = [];
      const reader = new EventFileReader(path, '');
      await reader.readNew(problems);
      assert.match(
        problems.join('\n'),
        new RegExp(`record at byte ${second} declares ${1n << 62n} bytes, more than a file can hold`),
      );
      assert.match(reader.corrupt ?? '', /corrupt from here on/);
    });

    it('a length beyond the end of the file waits (a record being written), it is not read past the file', async () => {
      const header = Buffer.alloc(12);
      header.writeBigUInt64LE(1n << 40n);
      header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
      const path = join(dir, 'events.out.tfevents.1.h');
      writeFileSync(path, Buffer.concat([header, Buffer.alloc(100)]));
      assert.deepEqual(await readTfRecords(path, 0, () => assert.fail('no record')), {
        offset: 0,
        corrupt: null,
        skipped: [],
        shrunk: false,
      });
    });

    it('a record that is not an Event is reported and skipped; the file goes on', async () => {
      const path = join(dir, 'events.out.tfevents.1.h');
      writeFileSync(path, Buffer.concat([frame(Buffer.from([0xff, 0xff, 0xff])), readFileSync(simplePath)]));
      const problems: string[] = [];
      const points = await new EventFileReader(path, '').readNew(problems);
      assert.equal(points.length, 8);
      assert.match(problems.join(), /record at byte 0 is not a TensorBoard Event/);
    });

    it('reads small chunks the same as one big read', async () => {
      const all: Buffer[] = [];
      const small: Buffer[] = [];
      await readTfRecords(simplePath, 0, (d) => all.push(Buffer.from(d)));
      await readTfRecords(simplePath, 0, (d) => small.push(Buffer.from(d)), { chunkBytes: 7 });
      assert.deepEqual(small, all);
    });

    it("finds a run's event files (Hugging Face runs/<session>/, Keras train/ validation/), not in checkpoints", async () => {
      for (const sub of ['runs/Dec07_host', 'validation', 'checkpoint-10', 'a/b/c'])
        mkdirSync(join(dir, sub), { recursive: true });
      for (const sub of ['runs/Dec07_host', 'validation', 'checkpoint-10', 'a/b/c', '.'])
        copyFileSync(simplePath, join(dir, sub, SIMPLE_FIXTURE.name));
      const files = await findEventFiles(dir);
      assert.deepEqual(
        files.map((f) => f.slice(dir.length + 1)),
        [SIMPLE_FIXTURE.name, `runs/Dec07_host/${SIMPLE_FIXTURE.name}`, `validation/${SIMPLE_FIXTURE.name}`],
      );
      assert.deepEqual(
        files.map((f) => tagPrefix(dir, f)),
        ['', '', 'validation/'],
      );
    });
  });

  describe("files written by Python from TensorBoard's .proto files", () => {
    let writer: TensorBoardWriter;
    before(function () {
      this.timeout(900_000); // apt-get may install protoc
      const w = tensorboardWriter();
      if (typeof w === 'string') {
        console.log(`      skipped: ${w}`);
        this.skip();
      }
      writer = w as TensorBoardWriter;
    });

    it('the committed fixtures are byte for byte what the writer writes from their spec', () => {
      for (const f of [SIMPLE_FIXTURE, TENSOR_FIXTURE]) {
        const path = join(dir, f.name);
        writer.write(path, f.events, { startTime: 1700000000 });
        assert.ok(readFileSync(path).equals(readFileSync(join(FIXTURES_DIR, f.name))), f.name);
      }
    });

    it("follows a Hugging Face run's log as records are appended, new files included", async () => {
      const session = join(dir, 'runs', 'Dec07_10-00-00_host');
      mkdirSync(session, { recursive: true });
      const first = join(session, 'events.out.tfevents.1700000000.host.1.0');
      writer.write(first, [{ step: 5, wall_time: 1700000005, simple: { 'train/loss': 1 } }]);
      const logs = new TensorBoardLogs(dir);
      assert.deepEqual(
        (await logs.readNew()).points.map((p) => [p.tag, p.step, p.value]),
        [['train/loss', 5, 1]],
      );
      writer.write(first, [{ step: 10, wall_time: 1700000010, simple: { 'eval/loss': 0.5 } }], { append: true });
      assert.deepEqual(
        (await logs.readNew()).points.map((p) => [p.tag, p.step, p.value]),
        [['eval/loss', 10, 0.5]],
      );
      assert.deepEqual((await logs.readNew()).points, [], 'nothing new, nothing read');
      const resumed = join(dir, 'runs', 'Dec07_11-00-00_host', 'events.out.tfevents.1700003600.host.2.0');
      mkdirSync(join(resumed, '..'));
      writer.write(resumed, [{ step: 15, wall_time: 1700003601, tensor: { 'eval/loss': 0.25 } }]);
      const read = await logs.readNew();
      assert.deepEqual(
        read.points.map((p) => [p.tag, p.step, p.value]),
        [['eval/loss', 15, 0.25]],
      );
      assert.deepEqual(read.problems, []);
    });

    it('a file replaced by a shorter one is read again from its start', async () => {
      const path = join(dir, 'events.out.tfevents.1.h');
      writer.write(
        path,
        [1, 2, 3].map((step) => ({ step, wall_time: step, simple: { x: step } })),
      );
      const reader = new EventFileReader(path, '');
      assert.equal((await reader.readNew([])).length, 3);
      writer.write(path, [{ step: 1, wall_time: 9, simple: { x: 7 } }]);
      const problems: string[] = [];
      assert.deepEqual(
        (await reader.readNew(problems)).map((p) => p.value),
        [7],
      );
      assert.match(problems.join(), /shorter than before/);
    });

    it('a truncated file at every byte reads the complete records before the cut, no more, no error', async () => {
      const path = join(dir, 'events.out.tfevents.1.h');
      writer.write(
        path,
        [1, 2].map((step) => ({ step, wall_time: step, simple: { x: step } })),
      );
      const full = readFileSync(path);
      const ends = [...recordOffsets(full).slice(1), full.length];
      for (let cut = 0; cut < full.length; cut++) {
        writeFileSync(path, full);
        truncateSync(path, cut);
        const problems: string[] = [];
        const points = await new EventFileReader(path, '').readNew(problems);
        const complete = ends.filter((e) => e <= cut).length - 1; // the first record is the file_version event
        assert.equal(points.length, Math.max(0, complete), `cut at ${cut}`);
        assert.deepEqual(problems, [], `cut at ${cut}`);
      }
    });
  });
});
