/**
 * The decision that followed each attempt of a contact, told from what the attempts themselves show (the
 * contact drawer's "what happened next"). Pure: the attempts of one run in order, and the contact's state.
 *
 * The next attempt says what was decided: a callback dial (the customer asked), the same pass on another
 * of the contact's phones (breadth-first), or a new pass (a retry). After the last attempt the contact's
 * own state says it: still in flight, waiting for a retry or a callback, or final.
 */

export interface StoryAttempt {
  pass: number;
  phone: string;
  is_callback: boolean;
  ended: boolean;
}

export interface StoryContact {
  state: string;
  next_due_at: string | null;
  callback_at: string | null;
}

export type AttemptDecisionKind =
  'in_flight' | 'callback' | 'next_phone' | 'retry' | 'waiting_callback' | 'waiting_retry' | 'final';

export interface AttemptDecision {
  kind: AttemptDecisionKind;
  /** When the next dial was or is due (the waiting kinds), else null. */
  due_at: string | null;
  /** The final state (kind `final`), else null. */
  final_state: string | null;
}

const WAITING_RETRY = new Set(['pending', 'retry_scheduled']);

export function decisionsAfter(attempts: readonly StoryAttempt[], contact: StoryContact): AttemptDecision[] {
  return attempts.map((a, i) => {
    const next = attempts[i + 1];
    if (!a.ended) return { kind: 'in_flight', due_at: null, final_state: null };
    if (next) {
      if (next.is_callback) return { kind: 'callback', due_at: null, final_state: null };
      if (next.pass === a.pass && next.phone !== a.phone)
        return { kind: 'next_phone', due_at: null, final_state: null };
      return { kind: 'retry', due_at: null, final_state: null };
    }
    if (contact.state === 'callback_scheduled')
      return {
        kind: 'waiting_callback',
        due_at: contact.callback_at ?? contact.next_due_at,
        final_state: null,
      };
    if (WAITING_RETRY.has(contact.state))
      return { kind: 'waiting_retry', due_at: contact.next_due_at, final_state: null };
    if (['dialling', 'ringing', 'in_progress'].includes(contact.state))
      return { kind: 'retry', due_at: null, final_state: null };
    return { kind: 'final', due_at: null, final_state: contact.state };
  });
}
