import { main } from './readme-sample';

describe('README sample', () => {
  it('squares 2 + 3 through graph inputs and outputs, then 5 through a flow', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await expect(main()).resolves.toBe(25);
      expect(log).toHaveBeenCalledWith('succeeded', 25);
    } finally {
      log.mockRestore();
    }
  });
});
