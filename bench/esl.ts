/**
 * A one-shot ESL command over the real wire protocol (auth, api, exit), to end a phase quickly: `hupall`
 * hangs up every call still up so the next phase starts on an idle switch.
 */
import net from 'node:net';

export function eslApi(
  port: number,
  command: string,
  password = 'ClueCon',
  timeoutMs = 5_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffer = '';
    let stage: 'greeting' | 'auth' | 'api' = 'greeting';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`ESL ${command}: no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = (err: Error | null, value = ''): void => {
      clearTimeout(timer);
      socket.end('exit\n\n');
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    socket.setEncoding('utf8');
    socket.on('error', (e) => finish(e));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end < 0) return;
        const head = buffer.slice(0, end);
        const length = Number(/Content-Length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 2 + length) return;
        const body = buffer.slice(end + 2, end + 2 + length);
        buffer = buffer.slice(end + 2 + length);
        if (stage === 'greeting' && head.includes('auth/request')) {
          stage = 'auth';
          socket.write(`auth ${password}\n\n`);
        } else if (stage === 'auth' && head.includes('command/reply')) {
          if (!head.includes('+OK')) return finish(new Error(`ESL auth refused: ${head}`));
          stage = 'api';
          socket.write(`api ${command}\n\n`);
        } else if (stage === 'api' && head.includes('api/response')) {
          return finish(null, body);
        }
      }
    });
  });
}
