import { defineOperation } from '../index';

/** A defined operation other processes can load by module. */
export const Triple = defineOperation('test.triple', { inputs: { n: Number }, outputs: { tripled: Number }, module: './src/__fixtures__/defined-operations', export: 'Triple' }, ({ n }) => ({
  tripled: n * 3,
}));
