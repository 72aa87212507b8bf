/** The raw-piscina side of the CPU benchmarks: the same work as the Burn / Nop operations, as a plain task function. */
import { spin } from './spin';

export = function task(input: { iterations: number }): number {
  return input.iterations > 0 ? spin(input.iterations) : 0;
};
