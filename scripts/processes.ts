/**
 * Child processes we own: each runs in its own process group (so Ctrl-C in a terminal reaches only us and we
 * decide the shutdown order), its output is forwarded line by line with a `[name]` prefix, and the whole
 * group is killed when we stop it or when this process exits, is interrupted, or crashes. Nothing we spawn
 * outlives us.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** The command and its arguments, as in /proc/<pid>/cmdline. */
  readonly argv: readonly string[];
  readonly child: ChildProcess;
  /** Resolves when the process has exited (never rejects; a spawn failure resolves with code 127). */
  readonly exited: Promise<ExitInfo>;
  /** Set once the process has exited. */
  readonly exitInfo: ExitInfo | undefined;
  /** True once stop() was called: an exit after that is expected. */
  readonly stopping: boolean;
  /** SIGTERM (or the configured signal) to the whole group, SIGKILL after `timeoutMs`. Idempotent. */
  stop(timeoutMs?: number): Promise<ExitInfo>;
  /** The first and the last lines the process printed, for error messages. */
  tail(): string;
}

export interface ManagedSpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  /** Forward output with this prefix; `false` keeps it only in tail(). Default `[name] `. */
  prefix?: string | false;
  /** Forward each line as this returns it instead of prefixed (npm start's readable or JSON log lines). */
  render?: (line: string) => string;
  /** Stop forwarding output once stop() was called (shutdown noise). Default false. */
  muteOnStop?: boolean;
  /** The polite signal stop() sends first. Default SIGTERM. */
  stopSignal?: NodeJS.Signals;
  /** How long stop() waits before SIGKILL when not given. Default 10 s. */
  stopTimeoutMs?: number;
}

const live = new Set<ManagedProcess>();
const exitHooks = new Set<() => void>();
let exitHookInstalled = false;

const COLOURS = [36, 33, 35, 32, 34, 31];
let colourIndex = 0;

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: signal every group still alive and run the sync hooks.
  process.on('exit', () => {
    for (const p of live) signalGroup(p.pid, 'SIGKILL');
    for (const hook of exitHooks) {
      try {
        hook();
      } catch {
        // Best effort on the way out.
      }
    }
  });
}

/** Run `hook` synchronously if this process exits without having cleaned up; returns an unregister. */
export function onExitSync(hook: () => void): () => void {
  installExitHook();
  exitHooks.add(hook);
  return () => exitHooks.delete(hook);
}

function forwarder(
  write: (s: string) => void,
  prefix: string | false,
  keep: (line: string) => void,
  render?: (line: string) => string,
) {
  let partial = '';
  const emit = (line: string): void => {
    keep(line);
    if (render) write(`${render(line)}\n`);
    else if (prefix !== false) write(`${prefix}${line}\n`);
  };
  return {
    data(chunk: Buffer | string): void {
      const text = partial + chunk.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) emit(line.replace(/\r$/, ''));
    },
    flush(): void {
      if (partial) emit(partial);
      partial = '';
    },
  };
}

/** What `tail()` keeps of a process's output: its first lines and its last. */
const HEAD_LINES = 10;
const TAIL_LINES = 60;

export function spawnManaged(
  name: string,
  command: string,
  args: readonly string[],
  options: ManagedSpawnOptions = {},
): ManagedProcess {
  installExitHook();
  const spawnOptions: SpawnOptions = {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true, // own process group: we signal the group, a terminal's Ctrl-C does not
    stdio: ['ignore', 'pipe', 'pipe'],
  };
  if (options.uid !== undefined) spawnOptions.uid = options.uid;
  if (options.gid !== undefined) spawnOptions.gid = options.gid;
  const child = spawn(command, args, spawnOptions);

  let prefix: string | false = options.prefix === undefined ? `[${name}] ` : options.prefix;
  if (prefix && process.stdout.isTTY) {
    const colour = COLOURS[colourIndex++ % COLOURS.length] ?? 36;
    prefix = `\u001b[${colour}m${prefix}\u001b[0m`;
  }
  // The first lines and the last: a crash's own words (a Go panic's "panic: …") come first, and its long
  // stack trace would push them out of the last lines alone.
  const headLines: string[] = [];
  const tailLines: string[] = [];
  let dropped = 0;
  const keep = (line: string): void => {
    if (headLines.length < HEAD_LINES) {
      headLines.push(line);
      return;
    }
    tailLines.push(line);
    if (tailLines.length > TAIL_LINES) {
      tailLines.shift();
      dropped++;
    }
  };
  let stopping = false;
  let exitInfo: ExitInfo | undefined;
  const muted = (): boolean => Boolean(options.muteOnStop && stopping);
  const out = forwarder((s) => !muted() && process.stdout.write(s), prefix, keep, options.render);
  const err = forwarder((s) => !muted() && process.stderr.write(s), prefix, keep, options.render);
  child.stdout?.on('data', out.data);
  child.stderr?.on('data', err.data);

  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (e) => {
      keep(`failed to start ${command}: ${e.message}`);
      if (child.pid === undefined) {
        exitInfo = { code: 127, signal: null };
        live.delete(managed);
        resolve(exitInfo);
      }
    });
    child.once('close', (code, signal) => {
      out.flush();
      err.flush();
      exitInfo = { code, signal };
      // The leader is gone; the group may still hold grandchildren, which stop() also handles.
      if (child.pid === undefined || !groupAlive(child.pid)) live.delete(managed);
      resolve(exitInfo);
    });
  });

  let stopPromise: Promise<ExitInfo> | undefined;
  const managed: ManagedProcess = {
    name,
    get pid() {
      return child.pid ?? -1;
    },
    argv: [command, ...args],
    child,
    exited,
    get exitInfo() {
      return exitInfo;
    },
    get stopping() {
      return stopping;
    },
    tail: () => [...headLines, ...(dropped > 0 ? [`… (${dropped} lines) …`] : []), ...tailLines].join('\n'),
    stop(timeoutMs = options.stopTimeoutMs ?? 10_000): Promise<ExitInfo> {
      stopping = true;
      if (stopPromise) return stopPromise;
      stopPromise = (async () => {
        const pid = child.pid;
        if (pid === undefined) return exited;
        signalGroup(pid, options.stopSignal ?? 'SIGTERM');
        const deadline = Date.now() + timeoutMs;
        // Wait for the leader and every other member of its group.
        while (Date.now() < deadline && (exitInfo === undefined || groupAlive(pid))) {
          await new Promise((r) => setTimeout(r, 50));
        }
        if (exitInfo === undefined || groupAlive(pid)) {
          signalGroup(pid, 'SIGKILL');
          while (groupAlive(pid) && Date.now() < deadline + 5_000)
            await new Promise((r) => setTimeout(r, 20));
        }
        const info = await exited;
        live.delete(managed);
        return info;
      })();
      return stopPromise;
    },
  };
  if (child.pid !== undefined) live.add(managed);
  return managed;
}

/** Every managed process still running, oldest first. */
export function liveProcesses(): ManagedProcess[] {
  return [...live];
}

/** Stop every managed process, newest first. */
export async function stopAll(timeoutMs?: number): Promise<void> {
  for (const p of [...live].reverse()) await p.stop(timeoutMs);
}

export interface ShutdownHandlers {
  /**
   * Called once on the first SIGINT/SIGTERM; should stop everything in order. Its result is the exit code
   * (default 0). A second signal while it runs kills every group at once and exits 130.
   */
  onSignal?: (signal: NodeJS.Signals) => Promise<number | void>;
  /** Called on an uncaught exception or unhandled rejection before exiting 1. Default: stopAll(). */
  onCrash?: (error: unknown) => Promise<void>;
}

let shuttingDown = false;

/** For entry points (start.ts): clean shutdown on signals and crashes. Tests should not call this. */
export function installShutdownHandlers(handlers: ShutdownHandlers = {}): void {
  installExitHook();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      console.error(`\n${signal} again: killing everything now`);
      for (const p of live) signalGroup(p.pid, 'SIGKILL');
      process.exit(130);
    }
    shuttingDown = true;
    const work = handlers.onSignal ? handlers.onSignal(signal) : stopAll().then(() => 0);
    work.then(
      (code) => process.exit(code ?? 0),
      (err: unknown) => {
        console.error('error during shutdown:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const onCrash = (error: unknown): void => {
    console.error('fatal:', error);
    if (shuttingDown) process.exit(1);
    shuttingDown = true;
    const work = handlers.onCrash ? handlers.onCrash(error) : stopAll(5_000);
    work.finally(() => process.exit(1)).catch(() => process.exit(1));
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run a short command to completion, capturing its output (not forwarded). Never rejects on exit codes. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      uid: options.uid,
      gid: options.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
