import { ExecutionEngine, GraphDefinition } from '@portflow/core';
import { builtinRegistry, compileRowExpression, RowExpressionError } from '../index';
import { formatCsv, parseCsv } from './csv-format';

describe('CSV format', () => {
  it('parses quotes, escaped quotes, delimiters and line breaks in fields, CRLF, and infers numbers and booleans', () => {
    const text = 'id,name,note,ok\r\n1,"Smith, J","said ""hi""\nthen left",true\r\n2,Lee,,false\r\n\r\n';
    expect(parseCsv(text, { delimiter: ',', header: true, inferTypes: true })).toEqual([
      { id: 1, name: 'Smith, J', note: 'said "hi"\nthen left', ok: true },
      { id: 2, name: 'Lee', note: '', ok: false },
    ]);
  });

  it('names columns when there is no header and keeps text when asked', () => {
    expect(parseCsv('1;2\n', { delimiter: ';', header: false, inferTypes: false })).toEqual([{ column_1: '1', column_2: '2' }]);
  });

  it('writes what it reads', () => {
    const rows = [{ a: 1, b: 'x, "y"' }, { a: 2, c: true }];
    expect(formatCsv(rows, ',')).toBe('a,b,c\n1,"x, ""y""",\n2,,true\n');
    expect(parseCsv(formatCsv(rows, ','), { delimiter: ',', header: true, inferTypes: true })).toEqual([
      { a: 1, b: 'x, "y"', c: '' },
      { a: 2, b: '', c: true },
    ]);
  });
});

describe('compileRowExpression', () => {
  const rows = [
    { amount: 120, region: 'EU', vip: true },
    { amount: 80, region: 'US', vip: false },
    { amount: '300', region: 'EU', vip: false },
  ];
  it.each([
    ['amount > 100', [0, 2]],
    ["amount > 100 and region == 'EU' and not vip", [2]],
    ['(amount < 100 || vip) && region != "US"', [0]],
    ['`region` == "US"', [1]],
    ['missing == null', [0, 1, 2]],
  ])('%s', (source, kept) => {
    const keep = compileRowExpression(source);
    expect(rows.flatMap((row, i) => (keep(row) ? [i] : []))).toEqual(kept);
  });

  it.each(['amount >> 3', 'amount = 3', 'amount >', '(a > 1', "name == 'x", 'a > 1 b'])('rejects %s', (source) => {
    expect(() => compileRowExpression(source)).toThrow(RowExpressionError);
  });
});

describe('built-in components', () => {
  it('group_by aggregates each group, with a count when no aggregate is given', async () => {
    const registry = builtinRegistry();
    const rows = [
      { k: 'a', v: 1 },
      { k: 'b', v: 2 },
      { k: 'a', v: 3.5 },
    ];
    const source = registry.create('constant', { value: rows }, { id: 'rows' });
    const full = registry.create('group_by', { by: ['k'], agg: { v: ['sum', 'mean', 'min', 'max', 'count', 'first', 'last'] } }, { id: 'full' });
    const counts = registry.create('group_by', { by: ['k'] }, { id: 'counts' });
    const graph = new GraphDefinition();
    graph.connect(source, 'value' as never, full as never, 'rows' as never);
    graph.connect(source, 'value' as never, counts as never, 'rows' as never);
    const result = await new ExecutionEngine().run(graph);
    expect(result.getOutput('full', 'groups')).toEqual([
      { k: 'a', v_sum: 4.5, v_mean: 2.25, v_min: 1, v_max: 3.5, v_count: 2, v_first: 1, v_last: 3.5 },
      { k: 'b', v_sum: 2, v_mean: 2, v_min: 2, v_max: 2, v_count: 1, v_first: 2, v_last: 2 },
    ]);
    expect(result.getOutput('counts', 'groups')).toEqual([
      { k: 'a', count: 2 },
      { k: 'b', count: 1 },
    ]);
  });

  it('delay stops when the run is cancelled', async () => {
    const graph = new GraphDefinition().add(builtinRegistry().create('delay', { ms: 60_000 }, { id: 'wait' }));
    const controller = new AbortController();
    const run = new ExecutionEngine().start(graph, { signal: controller.signal });
    queueMicrotask(() => controller.abort());
    expect((await run.result).status).toBe('cancelled');
  });
});

describe('group_by params', () => {
  it('says by must be a list when given one column name', () => {
    const result = builtinRegistry().validateParams('group_by', { by: 'category' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues.map((i) => i.message)).toEqual(['by must be a list of column names, e.g. [category]']);
  });
});
