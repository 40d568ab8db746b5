/**
 * The pure policy (docs/architecture.md "Pure policy"): every rule the spec states, as deterministic
 * functions of (config, contact, attempt history, now). Safe to import from Temporal workflow code: no Node
 * built-ins, no clock, no randomness, no I/O.
 */
export * from './campaign-config';
export * from './outcome';
export * from './calendar';
export * from './next-step';
export * from './completion';
export * from './admission';
export * from './variables';
export * from './attempt-story';
export * from './config-diff';
