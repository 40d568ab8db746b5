import type { LogLevel as SdkLogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { levelAtLeast, type Logger, type LogLevel } from './log';

/**
 * The Temporal SDK's Runtime logger, writing into ours: the SDK's lines (and the workflows' and
 * activities' own `log.*` calls, which go through it) become JSON lines of the same shape as the rest.
 * The SDK's own components (worker state changes, webpack's module list, core) are chatty at INFO, so they
 * show from WARN unless ORI_LOG_LEVEL asks for debug or trace; the dialler's workflow and activity lines
 * follow ORI_LOG_LEVEL like every other line.
 */

const LEVEL: Record<SdkLogLevel, Exclude<LogLevel, 'fatal'>> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Components whose lines are ours (workflow and activity code), not the SDK's machinery. */
const OUR_COMPONENTS = new Set(['workflow', 'activity']);

export function sdkThreshold(level: LogLevel): LogLevel {
  return levelAtLeast(level, 'info') ? 'warn' : level;
}

export class TemporalLogger implements SdkLogger {
  constructor(private readonly target: Logger) {}

  log(level: SdkLogLevel, message: string, meta?: LogMetadata): void {
    const ours = LEVEL[level];
    const { sdkComponent, ...rest } = (meta ?? {}) as LogMetadata & { sdkComponent?: string };
    const component = typeof sdkComponent === 'string' ? sdkComponent : 'sdk';
    const threshold = OUR_COMPONENTS.has(component) ? this.target.level : sdkThreshold(this.target.level);
    if (!levelAtLeast(ours, threshold)) return;
    this.target[ours](message, { sdk_component: component, ...rest });
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
