/**
 * Metadata keys under which Portflow's decorators record what they were told.
 * Decorators only write these keys; {@link readClassPorts} and
 * {@link readOperationDefaults} are the only readers.
 *
 * @internal
 */
export const PORTS_METADATA = 'portflow:ports';

/** @internal */
export const OPERATION_OPTIONS_METADATA = 'portflow:operation-options';

/** Type name, version and module of an operation class (own metadata, never inherited). @internal */
export const OPERATION_IDENTITY_METADATA = 'portflow:operation-identity';
