import assert from 'node:assert/strict';
import {
  CheckpointError,
  errorCode,
  errorMessage,
  isTransientReaderFailure,
  LockError,
  ReaderIoError,
  rethrowReaderFailure,
} from '../../../../src/core/checkpoint/errors';
import { systemError } from './helpers';

describe('checkpoint errors: exit codes, messages and which failures belong to the machine', () => {
  it('a CheckpointError is bad input (exit 2) unless told otherwise, and names itself', () => {
    const bad = new CheckpointError('no such checkpoint');
    assert.equal(bad.exitCode, 2);
    assert.equal(bad.name, 'CheckpointError');
    assert.equal(bad.message, 'no such checkpoint');
    assert.equal(new CheckpointError('disk gone', 1).exitCode, 1);
  });

  it('a ReaderIoError exits 1, names the path and cause, and hints at ulimit only for open-file limits', () => {
    for (const code of ['EMFILE', 'ENFILE']) {
      const e = new ReaderIoError('/r/checkpoint-3/manifest.json', code, `${code}: too many open files`);
      assert.ok(e instanceof CheckpointError);
      assert.equal(e.exitCode, 1);
      assert.equal(e.name, 'ReaderIoError');
      assert.equal(e.path, '/r/checkpoint-3/manifest.json');
      assert.equal(e.code, code);
      assert.equal(
        e.message,
        `cannot read /r/checkpoint-3/manifest.json: ${code}: too many open files (a failure of this machine, not of the checkpoint, which was not judged; raise the open-file limit, ulimit -n)`,
      );
    }
    const io = new ReaderIoError('/r/x', 'EIO', 'EIO: i/o error');
    assert.equal(
      io.message,
      'cannot read /r/x: EIO: i/o error (a failure of this machine, not of the checkpoint, which was not judged)',
    );
  });

  it('a LockError carries the holder and the system code', () => {
    const e = new LockError('held by 42', 42, 'EACCES');
    assert.equal(e.name, 'LockError');
    assert.equal(e.holderPid, 42);
    assert.equal(e.code, 'EACCES');
    assert.equal(new LockError('held', null).code, undefined);
  });

  it('errorCode reads the code of anything that has one, as a string', () => {
    assert.equal(errorCode(systemError('ENOSPC', 'no space')), 'ENOSPC');
    assert.equal(errorCode({ code: 7 }), '7');
    assert.equal(errorCode(new Error('plain')), undefined);
    assert.equal(errorCode(null), undefined);
    assert.equal(errorCode('ENOENT'), undefined);
    assert.equal(errorCode(undefined), undefined);
  });

  it('errorMessage gives an Error its message and anything else its text', () => {
    assert.equal(errorMessage(new Error('boom')), 'boom');
    assert.equal(errorMessage('just text'), 'just text');
    assert.equal(errorMessage(42), '42');
  });

  it('rethrowReaderFailure turns resource and I/O errors into ReaderIoError and lets file problems through', () => {
    for (const code of ['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EINTR', 'ENOMEM', 'EIO']) {
      assert.throws(
        () => rethrowReaderFailure(systemError(code, 'failed'), '/r/f'),
        (e: unknown) =>
          e instanceof ReaderIoError &&
          e.code === code &&
          e.path === '/r/f' &&
          e.message.startsWith(`cannot read /r/f: ${code}: failed`),
        code,
      );
    }
    const original = new ReaderIoError('/r/g', 'EIO', 'EIO');
    assert.throws(
      () => rethrowReaderFailure(original, '/elsewhere'),
      (e: unknown) => e === original,
    );
    for (const fileProblem of [
      systemError('ENOENT', 'gone'),
      systemError('EISDIR', 'a folder'),
      new Error('bad JSON'),
      'text',
    ]) {
      assert.equal(rethrowReaderFailure(fileProblem, '/r/f'), undefined);
    }
  });

  it('only resource shortages are worth another try; EIO and plain errors with such codes are not', () => {
    for (const code of ['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EINTR', 'ENOMEM']) {
      assert.equal(isTransientReaderFailure(new ReaderIoError('/r/f', code, code)), true, code);
    }
    assert.equal(isTransientReaderFailure(new ReaderIoError('/r/f', 'EIO', 'EIO')), false);
    assert.equal(isTransientReaderFailure(systemError('EMFILE', 'too many')), false);
  });
});
