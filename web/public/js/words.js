// How the console words what the API names: field names as an operator reads them.

/** API field names as an operator reads them. */
export const FIELD_LABEL = {
  name: 'Campaign name',
  bot_id: 'Bot',
  number_ids: 'Outbound numbers',
  concurrency: 'Concurrency limit',
  mode: 'Mode',
  always_on: 'Always on',
  window: 'Time window',
  'window.start': 'Window start',
  'window.end': 'Window end',
  'window.timezone': 'Timezone',
  working_days: 'Working days',
  max_attempts: 'Max attempts',
  retry_delay_minutes: 'Retry delay',
  retry_on_system: 'Retry on system outcomes',
  retry_on_custom: 'Retry on custom dispositions',
  stop_redials_after_connect_s: 'Stop redials after a connect of',
  redial_short_connect_s: 'Redial only under',
  callback_detection: 'Callback detection',
  sticky_exclusion: 'Sticky exclusion',
  carrier_id: 'Carrier',
  e164: 'Phone number',
  gateway: 'Gateway',
  cps_limit: 'Calls per second limit',
  cost_per_minute: 'Cost per minute',
  contacts: 'Contacts',
  phone: 'Phone number',
  state: 'Status filter',
  callback: 'Callback filter',
};

export const fieldLabel = (field) => FIELD_LABEL[field] ?? String(field ?? '').replace(/_/g, ' ');

/** An API message with the field names it quotes (number_ids, redial_short_connect_s …) put in words. */
export function humanize(message) {
  let text = String(message ?? '');
  const fields = Object.keys(FIELD_LABEL).sort((a, b) => b.length - a.length);
  for (const field of fields) {
    const label = FIELD_LABEL[field];
    if (!field.includes('_') && !field.includes('.')) continue;
    text = text.split(field).join(`“${label}”`);
  }
  return text;
}
