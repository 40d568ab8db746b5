/**
 * Workflow histories as the standard Temporal JSON (the format of `temporal workflow show --output json`
 * and the Temporal UI's download), written and read with the protobuf runtime of `@temporalio/proto`.
 *
 * Why not the SDK's `historyToJSON`/`historyFromJSON`: with this lockfile npm installs a private protobufjs
 * copy under `@temporalio/common` beside the one `@temporalio/proto` builds its types with, and protobufjs'
 * JSON codec rejects a type from the other copy ("type must be a Type"). Resolving the codec from
 * `@temporalio/proto`'s own location works whatever the layout.
 */
import { createRequire } from 'node:module';
import type * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

type History = proto.temporal.api.history.v1.IHistory;

interface ProtoJsonCodec {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

// The CommonJS module itself (an ESM namespace import hides the root's nested namespaces from the patch).
const localRequire = createRequire(__filename);
const protoRoot = localRequire('@temporalio/proto') as typeof proto;
const codec = createRequire(localRequire.resolve('@temporalio/proto'))(
  'protobufjs/ext/protojson',
) as ProtoJsonCodec;
const historyType = (
  patchProtobufRoot(protoRoot) as unknown as { lookupType(name: string): unknown }
).lookupType('temporal.api.history.v1.History');

/** The history as pretty JSON text, one event per block. */
export function historyToJsonText(history: History): string {
  const message = protoRoot.temporal.api.history.v1.History.fromObject(history);
  return `${JSON.stringify(codec.toJson(historyType, message), null, 1)}\n`;
}

/** A history from its JSON text, ready for `Worker.runReplayHistories`. */
export function historyFromJsonText(text: string): History {
  // Unknown fields (a newer server's) are ignored, as the SDK's own reader does.
  return codec.fromJson(historyType, JSON.parse(text), { ignoreUnknownFields: true }) as History;
}
