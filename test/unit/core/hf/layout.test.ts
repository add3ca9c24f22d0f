import assert from 'node:assert/strict';
import { hfStepFromName, isHfMarkerFile, isHfOnlyFile, rngRank } from '../../../../src/core/hf/layout';

describe('hf: checkpoint folder names', () => {
  it('reads the rank of an RNG state file: null for one process, the number per rank', () => {
    assert.equal(rngRank('rng_state.pth'), null);
    assert.equal(rngRank('rng_state_0.pth'), 0);
    assert.equal(rngRank('rng_state_12.pth'), 12);
    for (const name of [
      'rng_state_.pth',
      'rng_state_1.pt',
      'xrng_state_1.pth',
      'rng_state_1.pth.bak',
      'rng_state_a.pth',
    ])
      assert.equal(rngRank(name), undefined, name);
  });

  it('reads the step of checkpoint-<step> only', () => {
    assert.equal(hfStepFromName('checkpoint-500'), 500);
    assert.equal(hfStepFromName('checkpoint-0'), 0);
    for (const name of ['tmp-checkpoint-500', 'checkpoint-500.old', 'checkpoint-', 'checkpoint-x', 'checkpoint500'])
      assert.equal(hfStepFromName(name), null, name);
  });

  const markers = [
    'trainer_state.json',
    'optimizer.pt',
    'scheduler.pt',
    'scaler.pt',
    'model.safetensors',
    'model.safetensors.index.json',
    'pytorch_model.bin',
    'pytorch_model.bin.index.json',
    'rng_state.pth',
    'rng_state_3.pth',
  ];

  it('knows every file that marks a Hugging Face checkpoint, and no other', () => {
    for (const name of markers) assert.equal(isHfMarkerFile(name), true, name);
    for (const name of ['manifest.json', 'config.json', 'optimizer.pt.bak', 'model.bin', 'training_args.bin', ''])
      assert.equal(isHfMarkerFile(name), false, name);
  });

  it('leaves out of the Hugging Face-only files the two a native checkpoint has too', () => {
    for (const name of markers)
      assert.equal(isHfOnlyFile(name), name !== 'trainer_state.json' && name !== 'model.safetensors', name);
    assert.equal(isHfOnlyFile('manifest.json'), false);
  });
});
