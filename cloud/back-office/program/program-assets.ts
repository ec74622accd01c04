import { asset } from '../../page-assets';

/**
 * The program editor's script and style sheet, served from /assets (no inline script: the pages' CSP).
 * The script posts the draft to /owner/program/preview as the owner types and shows the preview lines
 * and the errors in the slots the page rendered (data-error-for, data-preview, data-reasons); a refused
 * preview (401, 403: `{error, code}` in the owner's language) in the list above the form.
 */

const SCRIPT = `(() => {
  const form = document.getElementById('editor');
  let timer, seq = 0;
  const update = async () => {
    const mine = ++seq;
    const fields = [...new FormData(form)].map(([k, v]) => [k, String(v)]);
    let data;
    try {
      const res = await fetch('/owner/program/preview', { method: 'POST', credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-csrf-token': (form.elements.namedItem('csrf') || { value: '' }).value },
        body: JSON.stringify({ fields }) });
      data = await res.json();
    } catch { return; }
    if (mine !== seq) return;
    for (const el of document.querySelectorAll('[data-error-for]')) el.textContent = '';
    const loose = document.getElementById('form-errors');
    loose.textContent = '';
    // Refused (the sign-in ended, the page's token expired): the hub's words, in the owner's language, above the form.
    const refused = typeof data.error === 'string' ? [{ path: '', message: data.error }] : [];
    for (const e of (data.errors || []).concat(refused)) {
      const el = document.querySelector('[data-error-for="' + CSS.escape(e.path) + '"]');
      if (el) el.textContent = (el.textContent ? el.textContent + ' ' : '') + e.message;
      else { const li = document.createElement('li'); li.textContent = e.path ? e.path + ': ' + e.message : e.message; loose.append(li); }
    }
    document.getElementById('preview').classList.toggle('stale', (data.errors || []).length + refused.length > 0);
    for (const line of data.lines || []) {
      const text = document.querySelector('[data-preview="' + line.row + '"]');
      const why = document.querySelector('[data-reasons="' + line.row + '"]');
      if (text) text.textContent = line.text;
      if (why) why.textContent = line.reasons.join(' · ');
    }
  };
  // The fields of the chosen kind only (an added rule, an added reward, its cost).
  const shown = () => {
    for (const el of form.querySelectorAll('[data-show-for]')) {
      const chooser = form.querySelector('[name="' + CSS.escape(el.dataset.showFor) + '"]');
      if (chooser) el.hidden = !el.dataset.showValues.split(' ').includes(chooser.value);
    }
  };
  shown();
  form.addEventListener('change', shown);
  const later = () => { clearTimeout(timer); timer = setTimeout(update, 120); };
  form.addEventListener('input', later);
  form.addEventListener('change', later);
})();`;

// What only the editor needs on top of the back office's style sheet: its fieldsets, the inline labels
// of a rule's fields, and a stale preview greyed while the draft has errors.
const STYLE = `fieldset{margin:.5rem 0;border:1px solid #ccc}label{margin-right:.8rem;display:inline-block}input[type=text]{width:8rem}
.error{color:#a4161a;margin-left:.3rem}input[name$=".pattern"],input[name$=".items"]{width:14rem}.stale td{color:#888}#preview td{vertical-align:top}.ok{color:#1b5e20}`;

export const PROGRAM_CSS = asset('program.css', STYLE);
export const PROGRAM_JS = asset('program.js', SCRIPT);
