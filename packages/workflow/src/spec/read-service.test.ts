import { check, only, where, yaml } from '../__fixtures__/check';

const STEP = ['pipeline:', '  - name: load', '    operation: read_csv', '    params: { path: a.csv }'];

describe('workflow metadata and triggers', () => {
  it('reads allowConcurrentExecution, whenBusy, a webhook and a cron schedule with params', () => {
    const result = check(
      yaml(
        'metadata:',
        '  allowConcurrentExecution: false',
        '  whenBusy: reject',
        'triggers:',
        '  - webhook: true',
        '  - cron: "0 * * * *"',
        '    timezone: Europe/Paris',
        '    params: { region: eu }',
        ...STEP,
      ),
    );
    expect(result.problems).toEqual([]);
    expect(result.workflow?.metadata).toEqual({ allowConcurrentExecution: false, whenBusy: 'reject' });
    expect(result.workflow?.triggers).toEqual([
      { kind: 'webhook' },
      { kind: 'cron', cron: '0 * * * *', timezone: 'Europe/Paris', params: { region: 'eu' } },
    ]);
  });

  it('defaults to no metadata and no triggers', () => {
    const result = check(yaml(...STEP));
    expect(result.workflow?.metadata).toEqual({});
    expect(result.workflow?.triggers).toEqual([]);
  });

  it('points at a wrong-typed flag and suggests the camelCase key for a snake_case one', () => {
    const result = check(yaml('metadata:', '  allowConcurrentExecution: "no"', '  allow_concurrent: true', ...STEP));
    expect(where(result.problems)).toEqual(['2:29 invalid-field', '3:3 unknown-field']);
    expect(result.problems[0]!.message).toBe('metadata allowConcurrentExecution must be true or false, not the string "no".');
  });

  it('refuses a trigger with both or neither kind, a webhook that is not true, and a cron pattern with too few fields', () => {
    const result = check(yaml('triggers:', '  - { webhook: true, cron: "* * * * *" }', '  - { params: {} }', '  - webhook: false', '  - cron: "0 *"', ...STEP));
    expect(where(result.problems)).toEqual(['2:5 invalid-field', '3:5 invalid-field', '4:14 invalid-field', '5:11 invalid-field']);
    expect(result.problems[3]!.hint).toMatch(/5 fields \(minute hour day month weekday\)/);
  });

  it('refuses triggers that are not a list', () => {
    expect(only(yaml('triggers: { webhook: true }', ...STEP)).message).toBe('triggers must be a list, not a mapping.');
  });
});
