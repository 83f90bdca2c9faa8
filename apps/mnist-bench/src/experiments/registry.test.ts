import { ExperimentRegistry } from '@gradkit/experiment-runner';
import { describe, expect, test } from '@gradkit/test-harness';
import { registry } from './index';

describe('experiment registry', () => {
  test('mnist-bench registers the baseline and the throughput experiment in its default set', () => {
    expect(registry.defaultNames()).toEqual(['mlp', 'throughput']);
    expect(registry.profilesOf(['mlp', 'throughput'])).toEqual(['quick', 'paper', 'smoke']);
  });

  test('an unknown name lists the known ones; names are unique and well formed', () => {
    expect(() => registry.get('resnet')).toThrow(
      'Unknown experiment "resnet": expected one of mlp, throughput, speed, batchnorm, batchnorm-speed, bsn-baselines, bsn-st, bsn-reinforce, bsn-depth, bsn-low-lr, ternary-one-hot, bsn-post-loss, bsn-pass-through, dni-backprop, dni-no-backprop, dni-synthetic-loss, dni-synthetic-loss-live, dni-synthetic-gradient, dni-cdni, dni-waits, dni-parallel, dni-parallel-wide',
    );
    const r = new ExperimentRegistry();
    const e = {
      name: 'a',
      title: 'A',
      inDefaultSet: false,
      profiles: { quick: {} },
      run: async () => ({ primary: { metric: 'm', value: 0 }, stepTimesMs: [], examplesPerStep: 1 }),
    };
    r.register(e);
    expect(() => r.register(e)).toThrow('experiment "a" is registered twice');
    expect(() => r.register({ ...e, name: 'Bad Name' })).toThrow(
      'experiment name "Bad Name" must be lowercase letters, digits and dashes',
    );
    expect(() => r.register({ ...e, name: 'b', profiles: {} })).toThrow('experiment "b" has no profile');
  });
});
