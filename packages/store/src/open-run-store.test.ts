import { isPortflowError } from '@portflow/core';
import { StoreLocationError } from './errors';
import { openRunStore } from './open-run-store';

describe('openRunStore', () => {
  it.each([
    ['', /the location is empty/],
    ['mysql://root@localhost/db', /'mysql:\/\/' is not a supported kind of store/],
    ['libsql://my-db.turso.io', /remote libSQL\/Turso databases are not supported/],
    ['https://example.com/store', /'https:\/\/' is not a supported kind of store/],
  ])('refuses %j, listing the forms it accepts', async (location, problem) => {
    const error = (await openRunStore(location).catch((e: unknown) => e)) as StoreLocationError;
    expect(error).toBeInstanceOf(StoreLocationError);
    expect(isPortflowError(error, 'PORTFLOW_STORE')).toBe(true);
    expect(error.kind).toBe('location');
    expect(error.message).toMatch(problem);
    expect(error.message).toContain('A location is a file path for SQLite (e.g. .portflow/store.db, or a directory to hold store.db), or a PostgreSQL URL (postgres://');
  });

  it('masks a password in the location it shows', async () => {
    await expect(openRunStore('mysql://root:hunter2@localhost/db')).rejects.toThrow("Cannot use 'mysql://root:***@localhost/db' as a run store");
  });

  it('refuses a schema option for a SQLite path', async () => {
    await expect(openRunStore('/tmp/never-created/store.db', { schema: 'x' })).rejects.toThrow(/the 'schema' option applies to PostgreSQL only/);
  });

  it('refuses a malformed PostgreSQL URL', async () => {
    await expect(openRunStore('postgres://[bad')).rejects.toThrow(/it is not a valid URL/);
  });
});
