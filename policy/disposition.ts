/** "opt-out", "Opt Out", " opt_out " → "OPT_OUT": the well-known dispositions are matched leniently. */
export function dispositionKey(disposition: string | null | undefined): string {
  return (disposition ?? '')
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
}
