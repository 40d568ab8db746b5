/**
 * modesl (the production ESL library) driven from tests: promise wrappers and an event log to await on.
 */
import { Connection, type Event } from 'modesl';

export function openModesl(port: number, password = 'ClueCon', timeoutMs = 3000): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('modesl did not become ready')), timeoutMs);
    const connection: Connection = new Connection('127.0.0.1', port, password, () => {
      clearTimeout(timer);
      resolve(connection);
    });
    // modesl re-emits socket errors as 'error', which throws when nobody listens.
    connection.on('error', (error: Error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export function sendRecv(
  connection: Connection,
  command: string,
  headers?: Record<string, string>,
): Promise<Event> {
  return new Promise((resolve) => connection.sendRecv(command, headers ?? null, resolve));
}

export function apiCall(connection: Connection, command: string): Promise<Event> {
  return new Promise((resolve) => connection.api(command, resolve));
}

export interface LoggedEvent {
  name: string;
  headers: Record<string, string>;
  body: string;
  contentType: string;
}

/** Records every event frame a connection receives, in order. */
export class EventLog {
  readonly events: LoggedEvent[] = [];
  private waiters: Array<() => void> = [];

  constructor(connection: Connection) {
    connection.on('esl::event::**', (event: Event, headers?: Record<string, string>) => {
      const contentType = String(headers?.['Content-Type'] ?? '');
      if (!contentType.startsWith('text/event-')) return;
      const record: Record<string, string> = {};
      for (const { name, value } of event.headers) record[name] = String(value);
      this.events.push({
        name: record['Event-Name'] ?? '',
        headers: record,
        body: event.getBody(),
        contentType,
      });
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    });
  }

  of(uuid: string): LoggedEvent[] {
    return this.events.filter((e) => e.headers['Unique-ID'] === uuid);
  }

  async waitFor(predicate: (event: LoggedEvent) => boolean, timeoutMs = 3000): Promise<LoggedEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
