import { sumOfSquares } from './resources';

// `npm start` in this folder runs the first sample; the test suite runs them all.
sumOfSquares().then(
  (total) => console.log(`sum of squares: ${total}`),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
