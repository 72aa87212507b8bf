import { ExecutionEngine, GraphDefinition } from './index';
import { Add, Constant } from './__fixtures__/operations';

it('runs a tiny graph', async () => {
  const g = new GraphDefinition();
  const a = new Constant(2), b = new Constant(3), add = new Add({ id: 'add' });
  g.connect(a, 'value', add, 'a');
  g.connect(b, 'value', add, 'b');
  const r = await new ExecutionEngine().run(g);
  expect(r.status).toBe('succeeded');
  expect(r.getOutput(add, 'sum')).toBe(5);
});
