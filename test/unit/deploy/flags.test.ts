import {
  checkNames,
  durationFlag,
  k8sName,
  ownerRun,
  selectorFlag,
  shown,
  shownJson,
} from '../../../steps/lib/deploy/flags.js';
import { UsageError } from '../../../steps/lib/errors.js';

describe('deploy step flags', () => {
  test('values repeated in messages are bounded', () => {
    expect(shown('web')).toBe('"web"');
    expect(shown('a'.repeat(1_000_000))).toBe(`"${'a'.repeat(80)}…"`);
    expect(shownJson(120)).toBe('120');
    expect(shownJson({ a: 'b'.repeat(200) }).length).toBe(81);
  });

  test('Kubernetes names: subdomains for objects, labels for services and containers', () => {
    expect(k8sName('deployment', 'web.v2')).toBe('web.v2');
    expect(() => k8sName('canary-service', 'web.v2', 'label')).toThrow(
      new UsageError(
        '--canary-service "web.v2" is not a Kubernetes name (lowercase letters, digits and \'-\', at most 63)',
      ),
    );
    for (const bad of [
      'Bad_Name',
      '../web',
      'x;rm -rf /',
      '$(params.IMAGE)',
      'ｗeb',
      'a'.repeat(254),
      '-web',
    ]) {
      expect(() => k8sName('deployment', bad)).toThrow(/^--deployment ".*" is not a Kubernetes name/);
    }
    expect(() =>
      checkNames(
        { deployment: 'web', route: '', container: 'App' },
        { deployment: 'subdomain', route: 'subdomain', container: 'label' },
      ),
    ).toThrow('--container "App"');
  });

  test('durations between 1ms and a week', () => {
    expect(durationFlag('poll-interval', '500ms')).toBe(500);
    expect(durationFlag('ready-timeout', '10m')).toBe(600_000);
    for (const bad of ['0', 'soon', '5', '99999999999999999999h', '169h']) {
      expect(() => durationFlag('poll-interval', bad)).toThrow(
        `--poll-interval ${JSON.stringify(bad)} is not a duration from 1ms to 168h, such as 5s, 500ms or 2m`,
      );
    }
  });

  test('the owning run: the PipelineRun, else the TaskRun; both checked; optional only for a dry run', () => {
    expect(ownerRun('pr-1', 'tr-1')).toBe('pr-1');
    expect(ownerRun('', 'tr-1')).toBe('tr-1');
    expect(() => ownerRun('', '')).toThrow(
      'give --run (the PipelineRun, $(context.pipelineRun.name)) or --task-run',
    );
    expect(ownerRun(undefined, undefined, true)).toBe('dry-run');
    expect(() => ownerRun('pr-1', 'Bad Name')).toThrow('--task-run "Bad Name" is not a Kubernetes name');
  });

  test('label selectors', () => {
    expect(selectorFlag('selector', 'app=web,track in (canary),!legacy')).toBe(
      'app=web,track in (canary),!legacy',
    );
    expect(() => selectorFlag('selector', 'app=web;id')).toThrow(
      '--selector "app=web;id" is not a label selector such as app=web,track=canary',
    );
  });
});
