/**
 * Metadata keys under which `@Component` records what it was told. The
 * decorator only writes this key; `readComponentMetadata` is the only reader.
 *
 * @internal
 */
export const COMPONENT_METADATA = 'portflow:component';
