/**
 * A contact's states in a run (the call list's `state`): waiting for a dial, in a call, or final. The
 * database stores them as text; this is the one list the API, the repositories and the policy share.
 */
export const WAITING_STATES = ['pending', 'retry_scheduled', 'callback_scheduled'] as const;
export const IN_FLIGHT_STATES = ['dialling', 'ringing', 'in_progress'] as const;
export const FINAL_STATES = [
  'completed',
  'failed',
  'abandoned',
  'machine',
  'window_closed',
  'manually_stopped',
  'excluded',
] as const;
export type ContactState =
  (typeof WAITING_STATES)[number] | (typeof IN_FLIGHT_STATES)[number] | (typeof FINAL_STATES)[number];
export const CONTACT_STATES: readonly ContactState[] = [
  ...WAITING_STATES,
  ...IN_FLIGHT_STATES,
  ...FINAL_STATES,
];
