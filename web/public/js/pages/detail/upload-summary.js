// What the last contact upload did: added, skipped, and each skipped row's reason.
import { h, patchInto } from '../../dom.js';
import { fmtInt } from '../../format.js';

export function uploadSummaryPart() {
  const el = h('div', {});

  function update(upload) {
    if (!upload) return void patchInto(el);
    const errs = Array.isArray(upload.errors) ? upload.errors : [];
    patchInto(
      el,
      h(
        'div',
        { class: `alert ${upload.skipped ? 'alert-warn' : 'alert-info'}`, role: 'status' },
        h(
          'p',
          {},
          `Contacts uploaded: ${fmtInt(upload.added ?? 0)} added, ${fmtInt(upload.skipped ?? 0)} skipped.`,
        ),
        errs.length
          ? h(
              'details',
              {},
              h('summary', {}, 'Skipped rows'),
              h(
                'ul',
                {},
                errs.map((e) => h('li', {}, `Row ${e.row}: ${e.reason}`)),
              ),
            )
          : null,
      ),
    );
  }

  return { el, update };
}
