import { guard } from '@portflow/core';

/** Labelled examples: `features[i]` has label `labels[i]` (0 or 1). */
export interface Dataset {
  readonly features: readonly (readonly number[])[];
  readonly labels: readonly number[];
}

/** Runtime check of a {@link Dataset} port value (shape only, cheap). */
export const DatasetType = guard('Dataset', (v): v is Dataset => {
  const d = v as Partial<Dataset> | null;
  return typeof d === 'object' && d !== null && Array.isArray(d.features) && Array.isArray(d.labels) && d.features.length === d.labels.length;
});

/** A small seeded PRNG (mulberry32): same seed, same data, same run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal sample (Box-Muller). */
function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Two Gaussian blobs in `dimensions` dimensions, centred at -`separation`/2
 * and +`separation`/2 on every axis, with a fraction `positiveRate` of label 1.
 */
export function syntheticBlobs(options: { samples: number; dimensions: number; separation: number; positiveRate: number; seed: number }): Dataset {
  const random = seededRandom(options.seed);
  const features: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < options.samples; i++) {
    const label = random() < options.positiveRate ? 1 : 0;
    const centre = (label === 1 ? 1 : -1) * (options.separation / 2);
    features.push(Array.from({ length: options.dimensions }, () => centre + gaussian(random)));
    labels.push(label);
  }
  return { features, labels };
}

/** A shuffled copy of the indices 0..n-1 (Fisher-Yates). */
export function shuffledIndices(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** The examples at `indices`. */
export function pick(data: Dataset, indices: readonly number[]): Dataset {
  return { features: indices.map((i) => data.features[i]!), labels: indices.map((i) => data.labels[i]!) };
}
