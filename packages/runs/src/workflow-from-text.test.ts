import { builtinRegistry } from '@portflow/workflow';
import { workflowFromText } from './workflow-from-text';

const yaml = `
name: report
description: Sums two constants
metadata:
  allowConcurrentExecution: false
  whenBusy: reject
triggers:
  - webhook: true
variables:
  a: 1
  label: total
pipeline:
  - name: first
    operation: constant
    params: { value: 1 }
  - name: second
    operation: constant
    params: { value: 2 }
  - name: after
    operation: constant
    params: { value: 3 }
    depends_on: [first, second]
`;

describe('workflowFromText', () => {
  it("takes allowConcurrentExecution and whenBusy from the workflow's metadata", () => {
    const workflow = workflowFromText(yaml, { registry: builtinRegistry(), file: 'report.yaml' });
    expect(workflow.allowConcurrentExecution).toBe(false);
    expect(workflow.whenBusy).toBe('reject');
  });

  it('lets the options override the metadata', () => {
    const workflow = workflowFromText(yaml, { registry: builtinRegistry(), file: 'report.yaml', allowConcurrentExecution: true, whenBusy: 'queue' });
    expect(workflow.allowConcurrentExecution).toBe(true);
    expect(workflow.whenBusy).toBe('queue');
  });

  it('outlines the steps with their dependencies, the parameters with defaults, and the triggers', () => {
    const workflow = workflowFromText(yaml, { registry: builtinRegistry(), file: 'report.yaml' });
    expect(workflow.outline).toEqual({
      name: 'report',
      description: 'Sums two constants',
      params: { a: 1, label: 'total' },
      steps: [
        { id: 'first', component: 'constant', dependsOn: [] },
        { id: 'second', component: 'constant', dependsOn: [] },
        { id: 'after', component: 'constant', dependsOn: ['first', 'second'] },
      ],
      triggers: [{ kind: 'webhook' }],
    });
  });

  it('has no concurrency settings when neither the metadata nor the options give them', () => {
    const plain = workflowFromText('pipeline:\n  - name: one\n    operation: constant\n    params: { value: 1 }\n', { registry: builtinRegistry(), file: 'plain.yaml' });
    expect(plain).not.toHaveProperty('allowConcurrentExecution');
    expect(plain).not.toHaveProperty('whenBusy');
    expect(plain.outline?.name).toBe('plain');
  });
});
