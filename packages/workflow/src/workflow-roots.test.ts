import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinRegistry, checkWorkflow, PathOutsideRootsError, WorkflowFile } from './index';

describe('roots: the folders a workflow may use', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portflow-roots-'));
    mkdirSync(join(dir, 'flows', 'out'), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves paths inside a root and refuses ones that leave it, by .., absolutely or through a symbolic link', () => {
    const file = new WorkflowFile(join(dir, 'flows', 'flow.yaml'), undefined, [join(dir, 'flows')]);
    expect(file.resolve('out/result.csv')).toBe(join(dir, 'flows', 'out', 'result.csv'));
    expect(file.resolve('new/deeper/file.csv')).toBe(join(dir, 'flows', 'new', 'deeper', 'file.csv'));
    expect(() => file.resolve('../secret.csv')).toThrow(PathOutsideRootsError);
    expect(() => file.resolve('/etc/passwd')).toThrow("Path '/etc/passwd' is outside the folders this workflow may use");
    expect(() => file.resolve(`${join(dir, 'flows')}-sibling/x`)).toThrow(PathOutsideRootsError);
    symlinkSync(dir, join(dir, 'flows', 'escape'));
    expect(() => file.resolve('escape/x.csv')).toThrow(PathOutsideRootsError);
    expect(new WorkflowFile(join(dir, 'flows', 'flow.yaml')).resolve('../anywhere.csv')).toBe(join(dir, 'anywhere.csv'));
  });

  it("reports a step whose path (from a variable, say) leaves the roots as a problem at the step's params", () => {
    const text = 'variables: { cwd: . }\npipeline:\n  - name: list\n    operation: command\n    params: { command: ls, cwd: "${{ vars.cwd }}" }\n';
    const options = { registry: builtinRegistry(), file: join(dir, 'flows', 'flow.yaml'), roots: [join(dir, 'flows')] };
    expect(checkWorkflow(text, options).ok).toBe(true);
    const outside = checkWorkflow(text, { ...options, variables: { cwd: '/tmp' } });
    expect(outside.problems).toEqual([expect.objectContaining({ code: 'path-outside-roots', line: 5, message: "Step 'list' (command): Path '/tmp' is outside the folders this workflow may use; use a path inside the workflow's folder." })]);
  });
});
