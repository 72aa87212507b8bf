import { PriceService, keepGoing, limitedParallelism, runPortfolio, timeoutAndRetry, watchEvents } from './execution';

/** Runs the samples of docs/execution.md with real timers (takes about 5 s: one sample waits out a timeout). */
async function main(): Promise<void> {
  console.log('# run');
  await runPortfolio(new PriceService());
  console.log('\n# maxParallel');
  await limitedParallelism(new PriceService());
  console.log('\n# events');
  for (const line of await watchEvents(new PriceService({ failures: 1 }))) console.log(line);
  console.log('\n# failurePolicy: continue');
  const result = await keepGoing();
  console.log('\n# results');
  console.log(result.getErrorMessage());
  console.log('\n# timeout');
  await timeoutAndRetry();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
