import { DynamicOperation } from '../operation';
import { Input } from '../decorators/input';
import type { InputPort } from './port';

class Merge extends DynamicOperation {
  @Input() base!: InputPort<number>;
  constructor(names: string[], options: { type?: NumberConstructor; withDefault?: boolean } = {}) {
    super();
    for (const name of names) this.addInputPort(name, { type: options.type, ...(options.withDefault ? { default: 0 } : {}) });
    this.addOutputPort('merged');
  }
  execute(): { merged: number } {
    return { merged: 0 };
  }
}

describe('imperatively declared ports', () => {
  it('are one shared port map for operations that declare the same ports', () => {
    const a = new Merge(['x', 'y']);
    const b = new Merge(['x', 'y']);
    expect(b.portMap()).toBe(a.portMap());
    expect([...a.portMap().keys()]).toEqual(['base', 'x', 'y', 'merged']);
  });

  it('differ when names, order or options differ', () => {
    const plain = new Merge(['x', 'y']).portMap();
    expect(new Merge(['y', 'x']).portMap()).not.toBe(plain);
    expect(new Merge(['x', 'y'], { type: Number }).portMap()).not.toBe(plain);
    expect(new Merge(['x', 'y'], { type: Number }).getPort('x')?.typeName).toBe('number');
    expect(plain.get('x')?.typeName).not.toBe('number');
  });

  it('give ports with a default value a map of their own', () => {
    const a = new Merge(['x'], { withDefault: true });
    const b = new Merge(['x'], { withDefault: true });
    expect(b.portMap()).not.toBe(a.portMap());
    expect(a.getPort('x')).toMatchObject({ optional: true, default: 0 });
  });

  it('stay correct past the sharing bound (ports named after data)', () => {
    const ops = Array.from({ length: 100 }, (_, i) => new Merge([`column_${i}`]));
    ops.forEach((op, i) => expect([...op.portMap().keys()]).toEqual(['base', `column_${i}`, 'merged']));
    expect(new Merge(['column_99']).portMap()).not.toBe(ops[99]!.portMap()); // beyond 64 children: private maps
    expect(new Merge(['column_3']).portMap()).toBe(ops[3]!.portMap());
  });

  it('still refuse a port declared twice', () => {
    expect(() => new Merge(['x', 'x'])).toThrow("port 'x' is declared twice");
  });
});
