// Warnings the wizard shows before a campaign is saved: settings the API accepts but that will not do what
// the operator expects. They never block saving.

/** How long a call holds a seat, on average, when judging how many seats a dial rate can keep busy. */
export const ASSUMED_CALL_S = 60;

/**
 * chosen: the outbound numbers picked; carriers: every carrier ({id, name, cps_limit}); bot: the chosen
 * bot ({callback_enabled}); body: the campaign body as it will be sent. Answers sentences.
 */
export function guardrails({ chosen, carriers, bot, body }) {
  const out = [];
  const used = carriers.filter((c) => chosen.some((n) => n.carrier_id === c.id));
  const limits = used.map((c) => c.cps_limit);
  if (chosen.length > 0 && limits.length > 0 && limits.every((l) => typeof l === 'number' && l > 0)) {
    const cps = limits.reduce((a, b) => a + b, 0);
    const seats = cps * ASSUMED_CALL_S;
    if (body.concurrency > seats) {
      out.push(
        `Concurrency ${body.concurrency.toLocaleString('en-US')} is more than the number pool can feed: ` +
          `its carriers start at most ${cps.toLocaleString('en-US')} calls per second, which keeps about ` +
          `${seats.toLocaleString('en-US')} calls going when a call lasts a minute. The extra seats will stay empty.`,
      );
    }
  }
  if (body.callback_detection && bot && bot.callback_enabled === false) {
    out.push(
      `Callback detection is on, but the bot “${bot.name}” has its callbacks turned off: no callback will be ` +
        'scheduled until the bot’s callback setting is turned on in Setup.',
    );
  }
  return out;
}
