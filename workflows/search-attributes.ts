import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';

/**
 * The dialler's Temporal search attributes: how an engineer finds a run or a contact from what an operator
 * gives them (`temporal workflow list --query 'CampaignId="…" AND Phone="+91…"'`). Registered wherever the
 * dialler provisions Temporal (the dev server's flags, the test server, an external namespace at worker
 * start) and kept current by the workflows at the moments that matter.
 */

/** Both workflows: the campaign's id and the run number. */
export const CampaignIdKey = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
export const RunNoKey = defineSearchAttributeKey('RunNo', SearchAttributeType.INT);
/** campaignRun: `running`, `paused`, `stopping`, `completed` (with the reason in the history). */
export const RunStatusKey = defineSearchAttributeKey('RunStatus', SearchAttributeType.KEYWORD);
/** contact: the contact's id and every E.164 number it has. */
export const ContactIdKey = defineSearchAttributeKey('ContactId', SearchAttributeType.KEYWORD);
export const PhoneKey = defineSearchAttributeKey('Phone', SearchAttributeType.KEYWORD_LIST);
/** contact: where it is (`dialling`, `retry_scheduled`, a final state…), after how many attempts. */
export const ContactStateKey = defineSearchAttributeKey('ContactState', SearchAttributeType.KEYWORD);
export const AttemptsKey = defineSearchAttributeKey('Attempts', SearchAttributeType.INT);
export const LastOutcomeKey = defineSearchAttributeKey('LastOutcome', SearchAttributeType.KEYWORD);
export const NextDueAtKey = defineSearchAttributeKey('NextDueAt', SearchAttributeType.DATETIME);

export const DIALLER_SEARCH_ATTRIBUTES: readonly SearchAttributeKey<SearchAttributeType>[] = [
  CampaignIdKey,
  RunNoKey,
  RunStatusKey,
  ContactIdKey,
  PhoneKey,
  ContactStateKey,
  AttemptsKey,
  LastOutcomeKey,
  NextDueAtKey,
];
