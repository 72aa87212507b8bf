import { main } from './readme-sample';

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
