/** A fixed amount of CPU work: `iterations` rounds of an integer hash. Returns the hash so it cannot be optimised away. */
export function spin(iterations: number): number {
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < iterations; i++) x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + i) | 0;
  return x;
}

/** Iterations of {@link spin} that take about `ms` on this thread, after warming it up. */
export function calibrate(ms: number): number {
  spin(5e6);
  spin(5e6);
  let iterations = 1e6;
  for (;;) {
    const t0 = performance.now();
    spin(iterations);
    const took = performance.now() - t0;
    if (took >= 20) {
      const samples: number[] = [];
      for (let k = 0; k < 5; k++) {
        const s = performance.now();
        spin(iterations);
        samples.push(performance.now() - s);
      }
      samples.sort((a, b) => a - b);
      return Math.round((iterations * ms) / samples[2]!);
    }
    iterations *= 2;
  }
}
