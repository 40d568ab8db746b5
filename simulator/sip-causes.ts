/**
 * How FreeSWITCH names a call's end: received SIP code → hangup cause (mod_sofia
 * `sofia_glue_sip_cause_to_freeswitch`, docs/limits.md "Classifying"), the Q.850 number of each cause
 * (switch_types.h `switch_call_cause_t`) and the reason phrases that go into `sip_invite_failure_phrase`.
 */

/** The table of sofia_glue.c, in full, so that any `sip:<code>` token ends the way a real switch ends it. */
export function sipCodeToHangupCause(code: number): string {
  switch (code) {
    case 200:
      return 'NORMAL_CLEARING';
    case 401:
    case 402:
    case 403:
    case 407:
    case 603:
    case 608:
      return 'CALL_REJECTED';
    case 607:
      return 'UNWANTED';
    case 404:
      return 'UNALLOCATED_NUMBER';
    case 485:
    case 604:
      return 'NO_ROUTE_DESTINATION';
    case 408:
    case 504:
      return 'RECOVERY_ON_TIMER_EXPIRE';
    case 410:
      return 'NUMBER_CHANGED';
    case 413:
    case 414:
    case 416:
    case 420:
    case 421:
    case 423:
    case 505:
    case 513:
      return 'INTERWORKING';
    case 480:
      return 'NO_USER_RESPONSE';
    case 400:
    case 481:
    case 500:
    case 503:
      return 'NORMAL_TEMPORARY_FAILURE';
    case 486:
    case 600:
      return 'USER_BUSY';
    case 484:
      return 'INVALID_NUMBER_FORMAT';
    case 488:
    case 606:
      return 'INCOMPATIBLE_DESTINATION';
    case 502:
      return 'NETWORK_OUT_OF_ORDER';
    case 405:
      return 'SERVICE_UNAVAILABLE';
    case 406:
    case 415:
    case 501:
      return 'SERVICE_NOT_IMPLEMENTED';
    case 482:
    case 483:
      return 'EXCHANGE_ROUTING_ERROR';
    case 487:
      return 'ORIGINATOR_CANCEL';
    case 428:
      return 'NO_IDENTITY';
    // STIR/SHAKEN mapping (FreeSWITCH >= 1.10.7); older switches said NORMAL_UNSPECIFIED.
    case 429:
      return 'BAD_IDENTITY_INFO';
    case 437:
      return 'UNSUPPORTED_CERTIFICATE';
    case 438:
      return 'INVALID_IDENTITY';
    default:
      return 'NORMAL_UNSPECIFIED';
  }
}

/** Every cause name of switch_types.h `switch_call_cause_t` with its number. */
const Q850: Record<string, number> = {
  UNALLOCATED_NUMBER: 1,
  NO_ROUTE_TRANSIT_NET: 2,
  NO_ROUTE_DESTINATION: 3,
  CHANNEL_UNACCEPTABLE: 6,
  CALL_AWARDED_DELIVERED: 7,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  SUBSCRIBER_ABSENT: 20,
  CALL_REJECTED: 21,
  NUMBER_CHANGED: 22,
  REDIRECTION_TO_NEW_DESTINATION: 23,
  EXCHANGE_ROUTING_ERROR: 25,
  DESTINATION_OUT_OF_ORDER: 27,
  INVALID_NUMBER_FORMAT: 28,
  FACILITY_REJECTED: 29,
  RESPONSE_TO_STATUS_ENQUIRY: 30,
  NORMAL_UNSPECIFIED: 31,
  NORMAL_CIRCUIT_CONGESTION: 34,
  NETWORK_OUT_OF_ORDER: 38,
  NORMAL_TEMPORARY_FAILURE: 41,
  SWITCH_CONGESTION: 42,
  ACCESS_INFO_DISCARDED: 43,
  REQUESTED_CHAN_UNAVAIL: 44,
  PRE_EMPTED: 45,
  FACILITY_NOT_SUBSCRIBED: 50,
  OUTGOING_CALL_BARRED: 52,
  INCOMING_CALL_BARRED: 54,
  BEARERCAPABILITY_NOTAUTH: 57,
  BEARERCAPABILITY_NOTAVAIL: 58,
  SERVICE_UNAVAILABLE: 63,
  BEARERCAPABILITY_NOTIMPL: 65,
  CHAN_NOT_IMPLEMENTED: 66,
  FACILITY_NOT_IMPLEMENTED: 69,
  SERVICE_NOT_IMPLEMENTED: 79,
  INVALID_CALL_REFERENCE: 81,
  INCOMPATIBLE_DESTINATION: 88,
  INVALID_MSG_UNSPECIFIED: 95,
  MANDATORY_IE_MISSING: 96,
  MESSAGE_TYPE_NONEXIST: 97,
  WRONG_MESSAGE: 98,
  IE_NONEXIST: 99,
  INVALID_IE_CONTENTS: 100,
  WRONG_CALL_STATE: 101,
  RECOVERY_ON_TIMER_EXPIRE: 102,
  MANDATORY_IE_LENGTH_ERROR: 103,
  PROTOCOL_ERROR: 111,
  INTERWORKING: 127,
  SUCCESS: 142,
  ORIGINATOR_CANCEL: 487,
  CRASH: 700,
  SYSTEM_SHUTDOWN: 701,
  LOSE_RACE: 702,
  MANAGER_REQUEST: 703,
  BLIND_TRANSFER: 800,
  ATTENDED_TRANSFER: 801,
  ALLOTTED_TIMEOUT: 802,
  USER_CHALLENGE: 803,
  MEDIA_TIMEOUT: 804,
  PICKED_OFF: 805,
  USER_NOT_REGISTERED: 806,
  PROGRESS_TIMEOUT: 807,
  INVALID_GATEWAY: 808,
  GATEWAY_DOWN: 809,
  INVALID_URL: 810,
  INVALID_PROFILE: 811,
  NO_PICKUP: 812,
  SRTP_READ_ERROR: 813,
  BOWOUT: 814,
  BUSY_EVERYWHERE: 815,
  DECLINE: 816,
  DOES_NOT_EXIST_ANYWHERE: 817,
  NOT_ACCEPTABLE: 818,
  UNWANTED: 819,
  NO_IDENTITY: 820,
  BAD_IDENTITY_INFO: 821,
  UNSUPPORTED_CERTIFICATE: 822,
  INVALID_IDENTITY: 823,
  STALE_DATE: 824,
  REJECT_ALL: 825,
};

/** The numeric cause (`hangup_cause_q850`); FreeSWITCH's own causes (>= 487) are not real Q.850 values. */
export function hangupCauseNumber(cause: string): number {
  return Q850[cause] ?? 31;
}

/** Whether `cause` is a cause name FreeSWITCH knows (for `uuid_kill <uuid> <cause>` and `hupall <cause>`). */
export function isKnownHangupCause(cause: string): boolean {
  return cause in Q850;
}

const REASON_PHRASES: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  410: 'Gone',
  429: 'Too Many Requests',
  480: 'Temporarily Unavailable',
  484: 'Address Incomplete',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  500: 'Server Internal Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
  607: 'Unwanted',
  608: 'Rejected',
};

export function sipReasonPhrase(code: number): string | undefined {
  return REASON_PHRASES[code];
}
