import type { Connection } from '@temporalio/client';
import { TypedSearchAttributes, type SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { DIALLER_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

/** What `temporal operator search-attribute create` would take to register the missing ones by hand. */
function createCommand(namespace: string, keys: readonly SearchAttributeKey<SearchAttributeType>[]): string {
  const flags = keys.map((k) => `--name ${k.name} --type ${TypedSearchAttributes.toMetadataType(k.type)}`);
  return `temporal operator search-attribute create --namespace ${namespace} ${flags.join(' ')}`;
}

/**
 * Register the dialler's search attributes on a namespace unless they exist (idempotent: listed first, only
 * the missing ones added). A namespace that refuses (no operator permission, a cloud namespace managed
 * elsewhere, a name taken with another type) fails with an error naming what is missing and the command
 * that registers it: starting workflows with unknown attributes would fail every run and contact.
 */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: readonly SearchAttributeKey<SearchAttributeType>[] = DIALLER_SEARCH_ATTRIBUTES,
): Promise<{ added: string[] }> {
  let listed;
  try {
    listed = await connection.operatorService.listSearchAttributes({ namespace });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `Temporal namespace "${namespace}" did not list its search attributes (${why}); the dialler needs ` +
        `${keys.map((k) => k.name).join(', ')}. Check TEMPORAL_NAMESPACE, or register them with an operator's rights, e.g.\n  ` +
        createCommand(namespace, keys),
      { cause: err },
    );
  }
  const existing = { ...listed.systemAttributes, ...listed.customAttributes };
  const clashes = keys.filter(
    (k) => k.name in existing && existing[k.name] !== encodeSearchAttributeIndexedValueType(k.type),
  );
  if (clashes.length > 0) {
    throw new Error(
      `Temporal namespace "${namespace}" already has search attribute(s) ${clashes.map((k) => k.name).join(', ')} ` +
        `with another type than the dialler needs (${clashes.map((k) => `${k.name}=${TypedSearchAttributes.toMetadataType(k.type)}`).join(', ')}).`,
    );
  }
  const missing = keys.filter((k) => !(k.name in existing));
  if (missing.length === 0) return { added: [] };
  try {
    await registerSearchAttributes(connection, namespace, missing);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `Temporal namespace "${namespace}" refused to register the dialler's search attributes ` +
        `${missing.map((k) => k.name).join(', ')} (${why}). Register them with an operator's rights, e.g.\n  ` +
        createCommand(namespace, missing),
      { cause: err },
    );
  }
  return { added: missing.map((k) => k.name) };
}

/**
 * Add search attributes without listing first: for the time-skipping test server, whose operator service
 * implements adding them but not listing them.
 */
export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: readonly SearchAttributeKey<SearchAttributeType>[] = DIALLER_SEARCH_ATTRIBUTES,
): Promise<void> {
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      keys.map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type) ?? 0]),
    ),
  });
}
