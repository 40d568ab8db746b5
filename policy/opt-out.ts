import { dispositionKey } from './disposition';

/**
 * The one answer to "did the person ask never to be called again?". The bot platform spells the opt-out
 * disposition in several ways (`OPT_OUT`, `opt-out`, `opt out`, `Opt_Out `): every caller — the result
 * endpoint that fills the do-not-call list, the contact's next-step rules, the workflow's bookkeeping —
 * asks this predicate, so a spelling can never end a contact as an opt-out without listing its number.
 */
export const OPT_OUT_DISPOSITION = 'OPT_OUT';

export function isOptOutDisposition(disposition: string | null | undefined): boolean {
  return dispositionKey(disposition) === OPT_OUT_DISPOSITION;
}

/** Where a do-not-call entry came from: the bot's disposition, one number or a CSV through the API. */
export const OPT_OUT_SOURCES = ['bot', 'api', 'csv'] as const;
export type OptOutSource = (typeof OPT_OUT_SOURCES)[number];
