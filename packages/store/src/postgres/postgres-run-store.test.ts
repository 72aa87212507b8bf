import { describeRunStore } from '../__fixtures__/describe-run-store';
import { postgresTarget, requirePostgres, TEST_POSTGRES_URL, type RunStoreTarget } from '../__fixtures__/store-targets';
import { StoreLocationError, StoreUnavailableError } from '../errors';
import { openRunStore } from '../open-run-store';

beforeAll(requirePostgres);

describeRunStore('PostgreSQL', postgresTarget);

describe('RunStore on PostgreSQL: the connection', () => {
  let target: RunStoreTarget;

  beforeEach(async () => {
    target = await postgresTarget();
  });

  afterEach(async () => {
    await target.cleanup();
  });

  it("takes the schema from the URL's ?schema= and shows the location without a password", async () => {
    const store = await openRunStore(target.location, { blobs: target.dir });
    try {
      expect(store.location).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:5432\/test \(schema pf_test_/);
    } finally {
      await store.close();
    }
  });

  it('refuses a schema given twice, differently', async () => {
    await expect(openRunStore(`${TEST_POSTGRES_URL}?schema=a`, { schema: 'b' })).rejects.toThrow(/the URL names schema 'a' and the options name 'b'/);
  });

  it('refuses a schema name it cannot use', async () => {
    await expect(openRunStore(TEST_POSTGRES_URL, { schema: 'drop table; --' })).rejects.toThrow(StoreLocationError);
    await expect(openRunStore(TEST_POSTGRES_URL, { schema: 'pg_mine' })).rejects.toThrow(/is not a usable schema name/);
  });

  it('names host, port, database and user of a server that is not there, without the password, and how to fix it', async () => {
    const opening = openRunStore('postgres://alice:s3cret@127.0.0.1:1/ops?schema=x');
    await expect(opening).rejects.toThrow(StoreUnavailableError);
    const error = (await opening.catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^Cannot connect to PostgreSQL at 127\.0\.0\.1:1, database 'ops', user 'alice': .*ECONNREFUSED.*Is the server running and listening there\?/);
    expect(error.message).not.toContain('s3cret');
  });

  it('says so when the database does not exist', async () => {
    await expect(openRunStore(TEST_POSTGRES_URL.replace(/\/test$/, '/no_such_db_portflow'))).rejects.toThrow(/database "no_such_db_portflow" does not exist\. Create the database \(createdb no_such_db_portflow\)/);
  });
});
