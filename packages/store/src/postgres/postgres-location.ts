import { StoreLocationError } from '../errors';
import { maskPassword } from '../url-password';

/** Where a PostgreSQL store lives. @internal */
export interface PostgresLocation {
  readonly kind: 'postgres';
  /** The URL to connect with, without the `schema` parameter (password included). */
  readonly connectionString: string;
  readonly schema: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** For messages: the URL without password or schema, and the schema. */
  readonly display: string;
}

/** The schema a PostgreSQL store uses when neither the URL nor the options name one. */
export const DEFAULT_POSTGRES_SCHEMA = 'portflow';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Whether `location` is a `postgres://` or `postgresql://` URL. @internal */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Parses a PostgreSQL URL; its `?schema=` parameter and the `schema` option must agree when both are given. @internal */
export function parsePostgresLocation(location: string, schemaOption: string | undefined): PostgresLocation {
  const masked = maskPassword(location);
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new StoreLocationError(masked, 'it is not a valid URL');
  }
  const fromUrl = url.searchParams.get('schema') ?? undefined;
  if (fromUrl !== undefined && schemaOption !== undefined && fromUrl !== schemaOption) {
    throw new StoreLocationError(masked, `the URL names schema '${fromUrl}' and the options name '${schemaOption}'; give it once`);
  }
  const schema = fromUrl ?? schemaOption ?? DEFAULT_POSTGRES_SCHEMA;
  if (!IDENTIFIER.test(schema) || schema.toLowerCase().startsWith('pg_')) {
    throw new StoreLocationError(masked, `schema ${JSON.stringify(schema)} is not a usable schema name (letters, digits and _, not starting with a digit or pg_, at most 63 characters)`);
  }
  url.searchParams.delete('schema');
  const user = decodeURIComponent(url.username) || process.env.PGUSER || 'postgres';
  const host = url.searchParams.get('host') ?? (url.hostname || 'localhost');
  const port = Number(url.port || url.searchParams.get('port') || 5432);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || user;
  const shown = new URL(url.href);
  shown.password = '';
  return {
    kind: 'postgres',
    connectionString: url.href,
    schema,
    host,
    port,
    database,
    user,
    display: `${shown.href} (schema ${schema})`,
  };
}
