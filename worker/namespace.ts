import { isGrpcServiceError, type Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';

/** Closed workflows (each contact's history) are kept this long on a namespace the dialler creates. */
export const NAMESPACE_RETENTION_DAYS = 30;

// gRPC status codes (grpc/status.proto).
const NOT_FOUND = 5;
const PERMISSION_DENIED = 7;
const ALREADY_EXISTS = 6;
const UNAUTHENTICATED = 16;

/** What an operator runs to create the namespace by hand. */
export function namespaceCreateCommand(namespace: string, retentionDays = NAMESPACE_RETENTION_DAYS): string {
  return `temporal operator namespace create --namespace ${namespace} --retention ${retentionDays * 24}h`;
}

/**
 * Make sure the namespace exists on an external Temporal: described first; when missing, registered with
 * 30 days' retention (the server's default of a few days would drop contact histories the engineer still
 * needs). A server that refuses (no permission: a managed cluster, Temporal Cloud, where namespaces are
 * created in its console) fails with the command that creates it, instead of every workflow start failing
 * later with "namespace not found". An existing namespace is left as it is.
 */
export async function ensureNamespace(
  connection: Connection,
  namespace: string,
  options: { retentionDays?: number; visibleWithinMs?: number } = {},
): Promise<{ created: boolean }> {
  const retentionDays = options.retentionDays ?? NAMESPACE_RETENTION_DAYS;
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return { created: false };
  } catch (err) {
    if (!isGrpcServiceError(err) || err.code !== NOT_FOUND) {
      throw new Error(`Temporal did not describe the namespace "${namespace}" (${message(err)})`, {
        cause: err,
      });
    }
  }
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
      description: 'Ori dialler',
    });
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === ALREADY_EXISTS) return { created: false }; // another worker won
    const refused =
      isGrpcServiceError(err) && (err.code === PERMISSION_DENIED || err.code === UNAUTHENTICATED);
    throw new Error(
      `Temporal namespace "${namespace}" does not exist and ${refused ? 'this connection may not create it' : 'could not be created'} ` +
        `(${message(err)}). Create it with an operator's rights (or in Temporal Cloud's console), then start again:\n  ` +
        namespaceCreateCommand(namespace, retentionDays),
      { cause: err },
    );
  }
  await waitUntilServed(connection, namespace, options.visibleWithinMs ?? 30_000);
  return { created: true };
}

/** A new namespace reaches the frontend's namespace cache a few seconds after it is registered. */
async function waitUntilServed(connection: Connection, namespace: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await connection.operatorService.listSearchAttributes({ namespace });
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(
          `Temporal namespace "${namespace}" was created but is not served after ${timeoutMs} ms (${message(err)})`,
          { cause: err },
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
