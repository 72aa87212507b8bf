import { main } from './readme-sample';

describe('README sample', () => {
  it('computes 2 + 3 and prints the status and sum', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await expect(main()).resolves.toBe(5);
      expect(log).toHaveBeenCalledWith('succeeded', 5);
    } finally {
      log.mockRestore();
    }
  });
});
